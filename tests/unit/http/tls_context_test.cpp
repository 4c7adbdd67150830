// TLS client contexts from PEM text held in memory (a kubeconfig's *-data
// fields). The certificates are made here with OpenSSL, nothing is on disk.

#include "../../../controller/http/tls_context.hpp"

#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "rewind/http/client.hpp"
#include "rewind/http/endpoint.hpp"

namespace rwd::http {
namespace {

struct KeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct CertFree {
  void operator()(X509* c) const { X509_free(c); }
};
struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyFree>;
using Cert = std::unique_ptr<X509, CertFree>;

Key make_key() { return Key(EVP_EC_gen("P-256")); }

// A certificate for `cn` with `key`, signed by `issuer_key` (self-signed when
// the issuer is null).
Cert make_cert(const char* cn, EVP_PKEY* key, X509* issuer, EVP_PKEY* issuer_key, bool ca) {
  Cert cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), ca ? 1 : 2);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), 0);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 3600);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                             -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer != nullptr ? X509_get_subject_name(issuer) : name);
  X509_set_pubkey(cert.get(), key);
  X509_sign(cert.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256());
  return cert;
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return {data, static_cast<std::size_t>(n)};
}

std::string cert_pem(X509* cert) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(bio.get(), cert);
  return bio_text(bio.get());
}

std::string key_pem(EVP_PKEY* key) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr);
  return bio_text(bio.get());
}

// A CA and a client certificate it signed, as kind writes them into a kubeconfig.
struct Pki {
  Key ca_key = make_key();
  Cert ca = make_cert("test-ca", ca_key.get(), nullptr, nullptr, true);
  Key client_key = make_key();
  Cert client = make_cert("kubernetes-admin", client_key.get(), ca.get(), ca_key.get(), false);
};

const Pki& pki() {
  static const Pki kPki;
  return kPki;
}

const char* const kSecretMarker = "c2VjcmV0LXRleHQtbm90LXRvLWJlLXNob3du";

std::string bad_pem(const char* type) {
  return std::string("-----BEGIN ") + type + "-----\n" + kSecretMarker + "\n-----END " + type +
         "-----\n";
}

TEST(TlsContextPem, CaFromMemory) {
  TlsClientOptions options;
  options.ca_pem = cert_pem(pki().ca.get());
  auto ctx = detail::make_tls_context(options);
  EXPECT_TRUE(ctx.ok()) << ctx.error().message;
}

TEST(TlsContextPem, CaBundleWithTwoCertificates) {
  const Key other_key = make_key();
  const Cert other = make_cert("other-ca", other_key.get(), nullptr, nullptr, true);
  TlsClientOptions options;
  options.ca_pem = cert_pem(pki().ca.get()) + cert_pem(other.get());
  auto ctx = detail::make_tls_context(options);
  EXPECT_TRUE(ctx.ok()) << ctx.error().message;
}

TEST(TlsContextPem, ClientCertificateAndKeyFromMemory) {
  TlsClientOptions options;
  options.ca_pem = cert_pem(pki().ca.get());
  options.cert_pem = cert_pem(pki().client.get());
  options.key_pem = key_pem(pki().client_key.get());
  auto ctx = detail::make_tls_context(options);
  EXPECT_TRUE(ctx.ok()) << ctx.error().message;
}

TEST(TlsContextPem, BadCaIsAnErrorWithoutTheText) {
  TlsClientOptions options;
  options.ca_pem = bad_pem("CERTIFICATE");
  auto ctx = detail::make_tls_context(options);
  ASSERT_FALSE(ctx.ok());
  EXPECT_NE(ctx.error().message.find("TLS: cannot load CA data (PEM in memory, "),
            std::string::npos)
      << ctx.error().message;
  EXPECT_EQ(ctx.error().message.find(kSecretMarker), std::string::npos) << ctx.error().message;
}

TEST(TlsContextPem, NotPemAtAllIsAnError) {
  TlsClientOptions options;
  options.ca_pem = kSecretMarker;
  auto ctx = detail::make_tls_context(options);
  ASSERT_FALSE(ctx.ok());
  EXPECT_EQ(ctx.error().message.find(kSecretMarker), std::string::npos) << ctx.error().message;
}

TEST(TlsContextPem, BadKeyIsAnErrorWithoutTheText) {
  TlsClientOptions options;
  options.cert_pem = cert_pem(pki().client.get());
  options.key_pem = bad_pem("PRIVATE KEY");
  auto ctx = detail::make_tls_context(options);
  ASSERT_FALSE(ctx.ok());
  EXPECT_NE(ctx.error().message.find("TLS: cannot load client key data"), std::string::npos)
      << ctx.error().message;
  EXPECT_EQ(ctx.error().message.find(kSecretMarker), std::string::npos) << ctx.error().message;
}

TEST(TlsContextPem, BadClientCertificateIsAnError) {
  TlsClientOptions options;
  options.cert_pem = bad_pem("CERTIFICATE");
  options.key_pem = key_pem(pki().client_key.get());
  auto ctx = detail::make_tls_context(options);
  ASSERT_FALSE(ctx.ok());
  EXPECT_NE(ctx.error().message.find("TLS: cannot load client certificate data"), std::string::npos)
      << ctx.error().message;
  EXPECT_EQ(ctx.error().message.find(kSecretMarker), std::string::npos);
}

TEST(TlsContextPem, KeyOfAnotherCertificateIsAnError) {
  TlsClientOptions options;
  options.cert_pem = cert_pem(pki().client.get());
  options.key_pem = key_pem(pki().ca_key.get());
  auto ctx = detail::make_tls_context(options);
  ASSERT_FALSE(ctx.ok());
  EXPECT_NE(ctx.error().message.find("client key data"), std::string::npos) << ctx.error().message;
}

TEST(TlsContextPem, CertificateWithoutKeyIsAnError) {
  TlsClientOptions options;
  options.cert_pem = cert_pem(pki().client.get());
  auto ctx = detail::make_tls_context(options);
  ASSERT_FALSE(ctx.ok());
  EXPECT_EQ(ctx.error().message, "TLS: a client certificate needs both a certificate and a key");
}

TEST(TlsContextPem, EncryptedKeyFailsInsteadOfPrompting) {
  std::unique_ptr<BIO, BioFree> bio(BIO_new(BIO_s_mem()));
  const std::string pass = "pw";
  PEM_write_bio_PrivateKey(bio.get(), pki().client_key.get(), EVP_aes_128_cbc(),
                           reinterpret_cast<const unsigned char*>(pass.data()),
                           static_cast<int>(pass.size()), nullptr, nullptr);
  TlsClientOptions options;
  options.cert_pem = cert_pem(pki().client.get());
  options.key_pem = bio_text(bio.get());
  auto ctx = detail::make_tls_context(options);
  ASSERT_FALSE(ctx.ok());
  EXPECT_NE(ctx.error().message.find("client key data"), std::string::npos);
}

TEST(TlsContextPem, FileWinsOverPem) {
  TlsClientOptions options;
  options.ca_file = "/nonexistent/ca.crt";
  options.ca_pem = cert_pem(pki().ca.get());
  auto ctx = detail::make_tls_context(options);
  ASSERT_FALSE(ctx.ok());
  EXPECT_NE(ctx.error().message.find("\"/nonexistent/ca.crt\""), std::string::npos);
}

TEST(TlsContextPem, CaIgnoredWithoutVerification) {
  TlsClientOptions options;
  options.verify = false;
  options.ca_pem = bad_pem("CERTIFICATE");
  EXPECT_TRUE(detail::make_tls_context(options).ok());
}

TEST(TlsContextPem, EndpointStrAndClientErrorsNeverShowPem) {
  auto ep = parse_endpoint("https://10.0.0.1:6443");
  ASSERT_TRUE(ep.ok());
  ep->tls.ca_pem = bad_pem("CERTIFICATE");
  ep->tls.cert_pem = cert_pem(pki().client.get());
  ep->tls.key_pem = bad_pem("PRIVATE KEY");
  EXPECT_EQ(ep->str(), "https://10.0.0.1:6443");
  auto client = make_client(*ep);
  ASSERT_FALSE(client.ok());
  EXPECT_EQ(client.error().message.rfind("https://10.0.0.1:6443: TLS: cannot load CA data", 0), 0U)
      << client.error().message;
  EXPECT_EQ(client.error().message.find(kSecretMarker), std::string::npos);
  EXPECT_EQ(client.error().message.find("BEGIN"), std::string::npos);
}

}  // namespace
}  // namespace rwd::http
