#include "rewind/model/document.hpp"

#include <chrono>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace rwd::model {
namespace {

using std::chrono::steady_clock;

// Every load must finish well under a second, whatever the input.
constexpr auto kFast = std::chrono::milliseconds(1000);

LoadedDocuments yaml(std::string_view text, const Limits& limits = {}) {
  const auto start = steady_clock::now();
  LoadedDocuments d = load_yaml(text, limits);
  EXPECT_LT(steady_clock::now() - start, kFast) << "input starting " << text.substr(0, 40);
  return d;
}

LoadedDocuments json(std::string_view text, const Limits& limits = {}) {
  const auto start = steady_clock::now();
  LoadedDocuments d = load_json(text, limits);
  EXPECT_LT(steady_clock::now() - start, kFast) << "input starting " << text.substr(0, 40);
  return d;
}

// The single error of a failed load.
LoadError only_error(const LoadedDocuments& d) {
  EXPECT_EQ(d.errors.size(), 1U);
  return d.errors.empty() ? LoadError{} : d.errors.front();
}

std::string repeat(std::string_view s, std::size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (std::size_t i = 0; i < n; ++i) out += s;
  return out;
}

// ---- Node ------------------------------------------------------------------

TEST(NodeTest, FindReturnsTheValueOfAKey) {
  Node m = Node::mapping();
  m.add("a", Node::scalar("1", true));
  m.add("b", Node::null());
  ASSERT_NE(m.find("a"), nullptr);
  EXPECT_EQ(m.find("a")->text(), "1");
  ASSERT_NE(m.find("b"), nullptr);
  EXPECT_TRUE(m.find("b")->is_null());
  EXPECT_EQ(m.find("c"), nullptr);
  EXPECT_EQ(Node::scalar("x", true).find("a"), nullptr);
}

TEST(NodeTest, DescribeCutsLongScalarsAt60Characters) {
  EXPECT_EQ(Node::scalar("v1.2.4", true).describe(), "v1.2.4");
  EXPECT_EQ(Node::scalar("", false).describe(), "\"\"");
  EXPECT_EQ(Node::scalar(std::string(60, 'a'), true).describe(), std::string(60, 'a'));
  EXPECT_EQ(Node::scalar(std::string(61, 'a'), true).describe(), std::string(60, 'a') + "…");
  // Characters, not bytes: 70 two-byte characters are cut after 60 of them.
  EXPECT_EQ(Node::scalar(repeat("é", 70), true).describe(), repeat("é", 60) + "…");
  EXPECT_EQ(Node::scalar("a\nb", false).describe(), "a\\nb");
  EXPECT_EQ(Node::null().describe(), "null");
  EXPECT_EQ(Node::sequence().describe(), "a sequence");
  EXPECT_EQ(Node::mapping().describe(), "a mapping");
}

TEST(NodeTest, KindName) {
  EXPECT_EQ(Node::null().kind_name(), "null");
  EXPECT_EQ(Node::scalar("1", true).kind_name(), "string");
  EXPECT_EQ(Node::sequence().kind_name(), "sequence");
  EXPECT_EQ(Node::mapping().kind_name(), "mapping");
}

// ---- YAML: what loads ------------------------------------------------------

TEST(LoadYamlTest, LoadsAMappingWithMarks) {
  const auto d =
      yaml("apiVersion: rewind.dev/v1alpha1\nspec:\n  image: api:v1\n  ports: [80, 443]\n");
  ASSERT_TRUE(d.ok()) << d.errors.front().message;
  ASSERT_EQ(d.documents.size(), 1U);
  const Node& root = d.documents[0];
  ASSERT_TRUE(root.is_mapping());
  EXPECT_EQ(root.mark().line, 1);
  EXPECT_EQ(root.mark().column, 1);
  const Node* spec = root.find("spec");
  ASSERT_NE(spec, nullptr);
  const Node* image = spec->find("image");
  ASSERT_NE(image, nullptr);
  EXPECT_EQ(image->text(), "api:v1");
  EXPECT_EQ(image->mark().line, 3);
  EXPECT_EQ(image->mark().column, 10);
  const Node* ports = spec->find("ports");
  ASSERT_NE(ports, nullptr);
  ASSERT_TRUE(ports->is_sequence());
  ASSERT_EQ(ports->items().size(), 2U);
  EXPECT_EQ(ports->items()[1].text(), "443");
  EXPECT_EQ(ports->items()[1].mark().line, 4);
  EXPECT_EQ(ports->items()[1].mark().column, 15);
  // Keys keep document order.
  EXPECT_EQ(root.entries()[0].first, "apiVersion");
  EXPECT_EQ(root.entries()[1].first, "spec");
}

TEST(LoadYamlTest, PlainAndQuotedScalars) {
  const auto d = yaml("a: 7\nb: \"7\"\nc: '7'\nd: |\n  7\ne: !!str 7\n");
  ASSERT_TRUE(d.ok());
  const Node& r = d.documents.at(0);
  EXPECT_TRUE(r.find("a")->plain());
  EXPECT_FALSE(r.find("b")->plain());
  EXPECT_FALSE(r.find("c")->plain());
  EXPECT_FALSE(r.find("d")->plain());
  EXPECT_EQ(r.find("d")->text(), "7\n");
  EXPECT_FALSE(r.find("e")->plain());
  EXPECT_EQ(r.find("b")->text(), "7");
}

TEST(LoadYamlTest, NullForms) {
  const auto d = yaml("a: ~\nb: null\nc: Null\nd: NULL\ne:\nf: \"~\"\ng: ''\nh: [~, ]\n");
  ASSERT_TRUE(d.ok());
  const Node& r = d.documents.at(0);
  for (const char* key : {"a", "b", "c", "d", "e"}) {
    ASSERT_NE(r.find(key), nullptr) << key;
    EXPECT_TRUE(r.find(key)->is_null()) << key;
  }
  EXPECT_TRUE(r.find("f")->is_scalar());
  EXPECT_EQ(r.find("f")->text(), "~");
  EXPECT_TRUE(r.find("g")->is_scalar());
  EXPECT_EQ(r.find("g")->text(), "");
  ASSERT_EQ(r.find("h")->items().size(), 1U);
  EXPECT_TRUE(r.find("h")->items()[0].is_null());
}

TEST(LoadYamlTest, MultipleDocumentsLeaveEmptyOnesOut) {
  const auto d = yaml("---\n---\na: 1\n---\n# only a comment\n---\n- b\n...\n---\n");
  ASSERT_TRUE(d.ok()) << d.errors.front().message;
  ASSERT_EQ(d.documents.size(), 2U);
  EXPECT_TRUE(d.documents[0].is_mapping());
  EXPECT_EQ(d.documents[0].mark().line, 3);
  EXPECT_TRUE(d.documents[1].is_sequence());
  EXPECT_EQ(d.documents[1].mark().line, 7);
}

TEST(LoadYamlTest, EmptyTextHasNoDocuments) {
  for (const char* text : {"", "# nothing\n", "---\n", "\n\n"}) {
    const auto d = yaml(text);
    EXPECT_TRUE(d.ok()) << text;
    EXPECT_TRUE(d.documents.empty()) << text;
  }
}

TEST(LoadYamlTest, AliasesAreExpanded) {
  const auto d = yaml(
      "base: &base\n  LOG_LEVEL: info\n  REGION: eu\n"
      "api: *base\n"
      "list: [*base, &n 3, *n]\n");
  ASSERT_TRUE(d.ok()) << d.errors.front().message;
  const Node& r = d.documents.at(0);
  const Node* api = r.find("api");
  ASSERT_NE(api, nullptr);
  ASSERT_TRUE(api->is_mapping());
  ASSERT_NE(api->find("REGION"), nullptr);
  EXPECT_EQ(api->find("REGION")->text(), "eu");
  EXPECT_EQ(api->mark().line, 4);  // the alias's own position
  EXPECT_EQ(api->mark().column, 6);
  EXPECT_EQ(api->find("REGION")->mark().line, 3);  // inner nodes: where they are written
  const Node* list = r.find("list");
  ASSERT_EQ(list->items().size(), 3U);
  EXPECT_EQ(list->items()[0].find("LOG_LEVEL")->text(), "info");
  EXPECT_EQ(list->items()[2].text(), "3");
  EXPECT_TRUE(list->items()[2].plain());
}

TEST(LoadYamlTest, AnAliasToAScalarCanBeAKey) {
  const auto d = yaml("k: &k name\n*k : value\n");
  ASSERT_TRUE(d.ok()) << d.errors.front().message;
  ASSERT_NE(d.documents.at(0).find("name"), nullptr);
  EXPECT_EQ(d.documents[0].find("name")->text(), "value");
}

TEST(LoadYamlTest, BracketsQuotesAndBlockScalarsInValidDocumentsAreNotMistakenForNesting) {
  const std::string text =
      "query: sum(rate(http_requests_total{code=~\"5..\"}[1m])) / sum(rate(x[1m]))\n"
      "deep: x" +
      repeat("[", 100) + "\n" +
      "msg: it's [not] a 'flow' {thing}\n"
      "quoted: \"" +
      repeat("[{", 100) + "\"\n" + "single: '" + repeat("[", 100) + "'' still quoted'\n" +
      "script: |\n  " + repeat("[", 100) + "\n  don't\n\n  " + repeat("{", 100) + "\n" +
      "folded: >-\n  " + repeat("[", 100) + "\n" + "# comment " + repeat("[", 100) + "\n" +
      "flow: [a, {b: \"[[[[\"}, '{{{{']\n" + "last: x" + repeat("]", 5) + "\n";
  const auto d = yaml(text);
  ASSERT_TRUE(d.ok()) << d.errors.front().message;
  const Node& r = d.documents.at(0);
  EXPECT_EQ(r.find("script")->text(), repeat("[", 100) + "\ndon't\n\n" + repeat("{", 100) + "\n");
  EXPECT_EQ(r.find("single")->text(), repeat("[", 100) + "' still quoted");
  EXPECT_EQ(r.find("last")->text(), "x]]]]]");
  EXPECT_EQ(r.find("flow")->items().size(), 3U);
}

TEST(LoadYamlTest, NestingUpToTheLimitLoads) {
  Limits limits;
  const auto flow = yaml(repeat("[", 64) + repeat("]", 64), limits);
  EXPECT_TRUE(flow.ok()) << flow.errors.front().message;
  std::string block;
  for (std::size_t i = 0; i < 64; ++i) block += std::string(i * 2, ' ') + "a:\n";
  block += std::string(128, ' ') + "x\n";
  const auto d = yaml(block, limits);
  EXPECT_TRUE(d.ok()) << d.errors.front().message;
}

// ---- YAML: what is refused -------------------------------------------------

TEST(LoadYamlTest, DeepBlockNestingIsRefused) {
  std::string text;
  for (std::size_t i = 0; i < 1000; ++i) text += std::string(i, ' ') + "a:\n";
  const auto e = only_error(yaml(text));
  EXPECT_NE(e.message.find("nesting deeper than 64 levels"), std::string::npos) << e.message;
  EXPECT_EQ(e.mark.line, 65);
}

TEST(LoadYamlTest, DeepBlockSequenceNestingIsRefused) {
  const auto e = only_error(yaml(repeat("- ", 5000) + "x\n"));
  EXPECT_NE(e.message.find("nesting deeper than 64 levels"), std::string::npos) << e.message;
}

TEST(LoadYamlTest, DeepFlowNestingIsRefusedBeforeParsing) {
  for (const std::string& text :
       {repeat("[", 10000), repeat("{", 10000), repeat("{a: ", 100000), repeat("[[:", 100000),
        repeat("[", 65) + repeat("]", 65), "a:\n  b: " + repeat("[", 200)}) {
    const auto e = only_error(yaml(text));
    EXPECT_NE(e.message.find("nested deeper than 64 levels"), std::string::npos) << e.message;
    EXPECT_GT(e.mark.line, 0);
  }
}

TEST(LoadYamlTest, FlowNestingLimitFollowsLimits) {
  Limits limits;
  limits.max_depth = 3;
  EXPECT_TRUE(yaml("[[[]]]", limits).ok());
  EXPECT_FALSE(yaml("[[[[]]]]", limits).ok());
  EXPECT_FALSE(yaml("a:\n  b:\n    c:\n      d: 1\n", limits).ok());
}

TEST(LoadYamlTest, BillionLaughsIsRefused) {
  std::string text = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (char c = 'b'; c <= 'j'; ++c) {
    const char prev = static_cast<char>(c - 1);
    text += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 9; ++i) text += std::string(i ? "," : "") + "*" + prev;
    text += "]\n";
  }
  const auto e = only_error(yaml(text));
  EXPECT_NE(e.message.find("more than 100000 nodes after expanding alias *"), std::string::npos)
      << e.message;
}

TEST(LoadYamlTest, TooManyAliasesAreRefused) {
  std::string text = "a: &x 1\nb: [";
  for (int i = 0; i < 101; ++i) text += i ? ", *x" : "*x";
  text += "]\n";
  const auto e = only_error(yaml(text));
  EXPECT_NE(e.message.find("more than 100 aliases"), std::string::npos) << e.message;
}

TEST(LoadYamlTest, AliasesExpandingBeyondTheDepthLimitAreRefused) {
  const std::string text = "a: &a " + repeat("[", 40) + repeat("]", 40) + "\n" +
                           "b: " + repeat("[", 40) + "*a" + repeat("]", 40) + "\n";
  const auto e = only_error(yaml(text));
  EXPECT_NE(e.message.find("nests deeper than 64 levels when expanded"), std::string::npos)
      << e.message;
}

TEST(LoadYamlTest, RecursiveAliasIsRefused) {
  const auto e = only_error(yaml("a: &a [1, *a]\n"));
  EXPECT_NE(e.message.find("alias *a refers to a node that contains it"), std::string::npos)
      << e.message;
}

TEST(LoadYamlTest, UndefinedAliasIsRefused) {
  const auto e = only_error(yaml("a: *nowhere\n"));
  EXPECT_NE(e.message.find("not defined"), std::string::npos) << e.message;
  EXPECT_EQ(e.mark.line, 1);
}

TEST(LoadYamlTest, TooManyNodesAreRefused) {
  Limits limits;
  limits.max_nodes = 10;
  const auto e = only_error(yaml("[1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]", limits));
  EXPECT_NE(e.message.find("more than 10 nodes"), std::string::npos) << e.message;
}

TEST(LoadYamlTest, HugeScalarIsRefused) {
  const auto e = only_error(yaml("a: " + std::string(256 * 1024 + 1, 'x') + "\n"));
  EXPECT_NE(e.message.find("262145 bytes is longer than the limit of 262144 bytes"),
            std::string::npos)
      << e.message;
  EXPECT_EQ(e.mark.line, 1);
  EXPECT_EQ(e.mark.column, 4);
  EXPECT_TRUE(yaml("a: " + std::string(256 * 1024, 'x') + "\n").ok());
}

TEST(LoadYamlTest, TooManyDocumentsAreRefused) {
  EXPECT_TRUE(yaml(repeat("---\na: 1\n", 64)).ok());
  const auto d = yaml(repeat("---\na: 1\n", 65));
  const auto e = only_error(d);
  EXPECT_NE(e.message.find("more than 64 documents"), std::string::npos) << e.message;
  EXPECT_EQ(e.document, 64U);
}

TEST(LoadYamlTest, TextBeyondTheFileLimitIsRefusedBeforeParsing) {
  const auto e = only_error(yaml(std::string(1024 * 1024 + 1, '[')));
  EXPECT_EQ(e.message, "the text is 1048577 bytes, more than the limit of 1048576 bytes");
}

TEST(LoadYamlTest, InvalidUtf8IsRefused) {
  struct Case {
    std::string text;
    int line;
    int column;
    std::string message;
  };
  const Case cases[] = {
      {"a: \xff\xfe\n", 1, 4, "invalid UTF-8 (byte 0xff)"},
      {"a: 1\nb: \"\xc3\x28\"\n", 2, 5, "invalid UTF-8 (byte 0xc3)"},
      {"a: \xed\xa0\x80\n", 1, 4, "invalid UTF-8 (byte 0xed)"},  // a surrogate
      {"a: \xc0\xaf\n", 1, 4, "invalid UTF-8 (byte 0xc0)"},      // overlong
      {"a: \xe2\x82", 1, 4, "invalid UTF-8 (byte 0xe2)"},        // cut short
      {std::string("a: 1\0b", 6), 1, 5, "control character 0x00 is not allowed"},
      {"a: \x1b[31m\n", 1, 4, "control character 0x1b is not allowed"},
  };
  for (const auto& c : cases) {
    const auto e = only_error(yaml(c.text));
    EXPECT_EQ(e.mark.line, c.line) << c.message;
    EXPECT_EQ(e.mark.column, c.column) << c.message;
    EXPECT_EQ(e.message, "line " + std::to_string(c.line) + ", column " + std::to_string(c.column) +
                             ": " + c.message);
  }
  EXPECT_TRUE(yaml("a: héllo ✓ 🚀\n").ok());
  EXPECT_TRUE(yaml("\xef\xbb\xbf"
                   "a: 1\r\n")
                  .ok());  // BOM and CRLF
}

TEST(LoadYamlTest, DuplicateKeysAreRefused) {
  const auto e = only_error(yaml("spec:\n  image: a\n  tag: 1\n  image: b\n"));
  EXPECT_EQ(e.message, "line 4, column 3: duplicate key \"image\" (first at line 2)");
  EXPECT_EQ(e.mark.line, 4);
  EXPECT_FALSE(yaml("{a: 1, a: 2}").ok());
  EXPECT_TRUE(yaml("a: {x: 1}\nb: {x: 1}\n").ok());  // same key in different mappings
}

TEST(LoadYamlTest, ComplexAndNullKeysAreRefused) {
  for (const char* text : {"? [a]\n: b\n", "{[a]: b}", "? {a: 1}\n: b\n"}) {
    const auto e = only_error(yaml(text));
    EXPECT_NE(e.message.find("keys must be strings"), std::string::npos) << e.message;
  }
  for (const char* text : {"- - - - :", "~: x\n", ": x\n"}) {
    const auto e = only_error(yaml(text));
    EXPECT_NE(e.message.find("a mapping key is empty or null"), std::string::npos) << e.message;
  }
}

TEST(LoadYamlTest, TabIndentationIsExplained) {
  const auto e = only_error(yaml("spec:\n\timage: a\n"));
  EXPECT_EQ(e.mark.line, 2);
  EXPECT_NE(e.message.find("tabs cannot indent YAML"), std::string::npos) << e.message;
}

TEST(LoadYamlTest, MalformedInputFailsFastWithAPosition) {
  struct Case {
    std::string text;
    std::string message;  // the whole message, position included
  };
  const Case cases[] = {
      {"[[:", "line 1, column 3: unknown token"},
      {"{,", "line 1, column 1: end of map flow not found (a '{' is not closed by '}')"},
      {"[", "line 1, column 1: end of sequence flow not found (a '[' is not closed by ']')"},
      {"{", "line 1, column 1: end of map flow not found (a '{' is not closed by '}')"},
      {"{a: [}", "line 1, column 6: illegal flow end"},
      {"a: 1\n]", "line 2, column 1: illegal flow end"},
      {"a: b: c", "line 1, column 5: illegal map value"},
      {"a: \"unterminated", "line 1, column 17: illegal EOF in scalar"},
      {",", "line 1, column 1: unexpected ',' outside a flow collection"},
      {"- a\n- b\n,\n", "line 3, column 1: unexpected ',' outside a flow collection"},
      {"[a, b], c", "line 1, column 7: unexpected ',' outside a flow collection"},
  };
  for (const auto& c : cases) {
    const auto d = yaml(c.text);
    const auto e = only_error(d);
    EXPECT_EQ(e.message, c.message) << "input: " << c.text;
    EXPECT_GT(e.mark.line, 0) << "input: " << c.text;
  }
}

TEST(LoadYamlTest, ErrorsNameTheirDocument) {
  const auto d = yaml("a: 1\n---\nb: 2\n---\nc: [\n");
  const auto e = only_error(d);
  EXPECT_EQ(e.document, 2U);
  EXPECT_EQ(d.documents.size(), 2U);  // the documents before the broken one
  EXPECT_FALSE(d.ok());
  EXPECT_EQ(only_error(yaml("---\n---\na: 1\nb: [\n")).document, 1U);
  // Errors found before parsing name their document too.
  EXPECT_EQ(only_error(yaml("a: 1\n---\nb: \xff\n")).document, 1U);
  EXPECT_EQ(only_error(yaml("# c\n---\na: 1\n--- # two\nb: " + repeat("[", 65))).document, 1U);
  EXPECT_EQ(only_error(yaml("---\n---\n" + repeat("{", 65))).document, 1U);
}

// Random short inputs from YAML's indicator characters: none may hang or
// crash. yaml-cpp 0.7 loops forever on some of them without the guards.
TEST(LoadYamlTest, RandomIndicatorSoupNeverHangs) {
  std::mt19937 rng(20261121);
  const std::string alphabet = "[]{}:,-?#&*!|>'\"%@` \n\ta1";
  std::uniform_int_distribution<std::size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<std::size_t> length(1, 12);
  const auto start = steady_clock::now();
  for (int i = 0; i < 3000; ++i) {
    std::string text;
    for (std::size_t n = length(rng); n > 0; --n) text += alphabet[pick(rng)];
    const auto d = load_yaml(text);
    for (const auto& e : d.errors) EXPECT_FALSE(e.message.empty());
  }
  EXPECT_LT(steady_clock::now() - start, std::chrono::seconds(5));
}

// ---- JSON ------------------------------------------------------------------

TEST(LoadJsonTest, LoadsAnObjectWithMarks) {
  const auto d = json(
      "{\n  \"name\": \"api\",\n  \"replicas\": 3,\n  \"ratio\": 1.50,\n"
      "  \"big\": 1e3,\n  \"neg\": -0,\n  \"on\": true,\n  \"off\": false,\n"
      "  \"none\": null,\n  \"list\": [1, \"2\", {}]\n}");
  ASSERT_TRUE(d.ok()) << d.errors.front().message;
  ASSERT_EQ(d.documents.size(), 1U);
  const Node& r = d.documents[0];
  EXPECT_EQ(r.mark().line, 1);
  EXPECT_EQ(r.mark().column, 1);
  const Node* name = r.find("name");
  ASSERT_NE(name, nullptr);
  EXPECT_EQ(name->text(), "api");
  EXPECT_FALSE(name->plain());
  EXPECT_EQ(name->mark().line, 2);
  EXPECT_EQ(name->mark().column, 11);
  EXPECT_EQ(r.find("replicas")->text(), "3");
  EXPECT_TRUE(r.find("replicas")->plain());
  EXPECT_EQ(r.find("replicas")->mark().line, 3);
  EXPECT_EQ(r.find("replicas")->mark().column, 15);
  EXPECT_EQ(r.find("ratio")->text(), "1.50");  // as written
  EXPECT_EQ(r.find("big")->text(), "1e3");
  EXPECT_EQ(r.find("neg")->text(), "-0");
  EXPECT_EQ(r.find("on")->text(), "true");
  EXPECT_TRUE(r.find("on")->plain());
  EXPECT_EQ(r.find("off")->text(), "false");
  EXPECT_TRUE(r.find("none")->is_null());
  EXPECT_EQ(r.find("none")->mark().line, 9);
  const Node* list = r.find("list");
  ASSERT_EQ(list->items().size(), 3U);
  EXPECT_TRUE(list->items()[0].plain());
  EXPECT_FALSE(list->items()[1].plain());
  EXPECT_TRUE(list->items()[2].is_mapping());
  EXPECT_EQ(list->items()[2].mark().column, 20);
  EXPECT_EQ(r.entries().back().first, "list");
}

TEST(LoadJsonTest, ScalarDocumentsAndEscapes) {
  const auto d = json(R"("a \"quoted\" \\ string")");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d.documents.at(0).text(), "a \"quoted\" \\ string");
  EXPECT_EQ(d.documents[0].mark().column, 1);
  const auto n = json("  42");
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n.documents.at(0).text(), "42");
  EXPECT_EQ(n.documents[0].mark().column, 3);
  const auto big = json("18446744073709551616");  // beyond 64 bits: kept as written
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big.documents.at(0).text(), "18446744073709551616");
}

TEST(LoadJsonTest, ParseErrorsNameTheBytePosition) {
  const auto e = only_error(json("{\"a\": 1,\n \"b\": ]}"));
  EXPECT_EQ(e.mark.line, 2);
  EXPECT_EQ(e.mark.column, 7);
  EXPECT_NE(e.message.find("line 2, column 7: syntax error"), std::string::npos) << e.message;
  EXPECT_NE(e.message.find("(byte 16)"), std::string::npos) << e.message;
  EXPECT_EQ(e.message.find("json.exception"), std::string::npos) << e.message;
  for (const char* text : {"", "{", "{\"a\": 1} x", "[1,]", "{'a': 1}", "\"\xff\"", "nul"}) {
    EXPECT_FALSE(json(text).ok()) << text;
  }
}

TEST(LoadJsonTest, DuplicateKeysAreRefused) {
  const auto e = only_error(json("{\"a\": 1,\n \"a\": 2}"));
  EXPECT_EQ(e.message, "line 2, column 2: duplicate key \"a\" (first at line 1)");
}

TEST(LoadJsonTest, LimitsAreEnforced) {
  const auto deep = only_error(json(repeat("[", 100000)));
  EXPECT_NE(deep.message.find("nesting deeper than 64 levels"), std::string::npos) << deep.message;
  EXPECT_TRUE(json(repeat("[", 64) + repeat("]", 64)).ok());

  const auto big = only_error(json("\"" + std::string(256 * 1024 + 1, 'x') + "\""));
  EXPECT_NE(big.message.find("262145 bytes is longer than the limit"), std::string::npos);

  Limits few;
  few.max_nodes = 3;
  const auto nodes = only_error(json("[1, 2, 3]", few));
  EXPECT_NE(nodes.message.find("more than 3 nodes"), std::string::npos) << nodes.message;

  const auto file = only_error(json(std::string(1024 * 1024 + 1, ' ')));
  EXPECT_NE(file.message.find("more than the limit of 1048576 bytes"), std::string::npos);
}

}  // namespace
}  // namespace rwd::model
