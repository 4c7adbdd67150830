// The listener: binds, accepts within the session bound, runs the threads,
// stops gracefully.

#include "rewind/http/server.hpp"

#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "server_session.hpp"

namespace rwd::http {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using server_detail::Core;
using server_detail::Session;

namespace {
// After a failed accept (out of file descriptors, say) wait before trying
// again instead of spinning.
constexpr std::chrono::milliseconds kAcceptRetryDelay{50};
}  // namespace

struct Server::Impl {
  Impl(ServerOptions options, Router router)
      : core(std::make_shared<Core>(std::move(options), std::move(router))),
        ioc(static_cast<int>(std::max<std::size_t>(core->options.threads, 1))) {}

  void accept();
  void on_accept(boost::system::error_code ec, tcp::socket socket);

  enum class State { kNew, kRunning, kStopped };

  std::shared_ptr<Core> core;
  asio::io_context ioc;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  asio::strand<asio::io_context::executor_type> strand{asio::make_strand(ioc)};
  tcp::acceptor acceptor{strand};
  asio::steady_timer retry{strand};
  std::vector<std::thread> threads;
  std::uint64_t next_id = 0;  // on the strand

  mutable std::mutex mu;  // state, bound
  State state = State::kNew;
  ListenAddress bound;
};

void Server::Impl::accept() {
  acceptor.async_accept(asio::make_strand(ioc),
                        [this](boost::system::error_code ec, tcp::socket socket) {
                          on_accept(ec, std::move(socket));
                        });
}

void Server::Impl::on_accept(boost::system::error_code ec, tcp::socket socket) {
  if (core->stopping.load() || ec == asio::error::operation_aborted) return;
  if (ec) {
    retry.expires_after(kAcceptRetryDelay);
    retry.async_wait([this](boost::system::error_code wait_ec) {
      if (!wait_ec && !core->stopping.load()) accept();
    });
    return;
  }
  const auto id = next_id++;
  if (core->reserve(id)) {
    auto session = std::make_shared<Session>(std::move(socket), core, id);
    core->attach(id, session);
    session->start();
  } else {
    server_detail::reject(std::move(socket));  // full, or stopping
  }
  accept();
}

Server::Server(ServerOptions options, Router router)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(router))) {}

Server::~Server() { stop(); }

model::Status Server::start() {
  const std::lock_guard lock(impl_->mu);
  if (impl_->state != Impl::State::kNew) {
    return model::Error::terminal("the HTTP server was already started");
  }
  const auto& listen = impl_->core->options.listen;
  boost::system::error_code ec;
  const auto address = asio::ip::make_address(listen.host, ec);
  if (ec) {
    return model::Error::invalid_spec("cannot listen on " + listen.str() + ": " + ec.message());
  }
  const tcp::endpoint endpoint(address, listen.port);
  auto& acceptor = impl_->acceptor;
  const auto fail = [&](const char* what) {
    boost::system::error_code ignored;
    acceptor.close(ignored);
    return model::Error::transient("cannot listen on " + listen.str() + ": " + what + ": " +
                                   ec.message());
  };
  if (acceptor.open(endpoint.protocol(), ec)) return fail("open");
  if (acceptor.set_option(asio::socket_base::reuse_address(true), ec)) return fail("setsockopt");
  if (acceptor.bind(endpoint, ec)) return fail("bind");
  if (acceptor.listen(asio::socket_base::max_listen_connections, ec)) return fail("listen");
  const auto local = acceptor.local_endpoint(ec);
  if (ec) return fail("getsockname");
  impl_->bound = ListenAddress{local.address().to_string(), local.port()};

  impl_->work.emplace(impl_->ioc.get_executor());
  asio::post(impl_->strand, [impl = impl_.get()] { impl->accept(); });
  const auto n = std::max<std::size_t>(impl_->core->options.threads, 1);
  for (std::size_t i = 0; i < n; ++i) {
    impl_->threads.emplace_back([impl = impl_.get()] {
      // A handler that throws must not take the listener down with it.
      while (true) {
        try {
          impl->ioc.run();
          return;
        } catch (const std::exception&) {  // NOLINT(bugprone-empty-catch)
        }
      }
    });
  }
  impl_->state = Impl::State::kRunning;
  return {};
}

void Server::stop() {
  const std::lock_guard lock(impl_->mu);
  if (impl_->state != Impl::State::kRunning) {
    impl_->state = Impl::State::kStopped;
    return;
  }
  auto& core = *impl_->core;
  std::vector<std::shared_ptr<Session>> live;
  {
    const std::lock_guard sessions_lock(core.mu);
    core.stopping.store(true);
    for (auto& [id, weak] : core.sessions) {
      if (auto s = weak.lock()) live.push_back(std::move(s));
    }
  }
  asio::post(impl_->strand, [impl = impl_.get()] {
    boost::system::error_code ignored;
    impl->acceptor.close(ignored);
    impl->retry.cancel();
  });
  for (auto& s : live) s->shutdown();
  live.clear();  // may run a session's destructor, which takes core.mu

  {
    std::unique_lock sessions_lock(core.mu);
    core.cv.wait_for(sessions_lock, core.options.stop_timeout,
                     [&] { return core.sessions.empty(); });
  }
  impl_->work.reset();
  impl_->ioc.stop();
  for (auto& t : impl_->threads) t.join();
  impl_->threads.clear();
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
  // Handlers that were ready when the threads stopped still hold what they
  // were given, e.g. a connection the kernel accepted just before the
  // listener closed: run them now (they all see `stopping` and close), so
  // that no client is left connected to a stopped server.
  impl_->ioc.restart();
  for (int round = 0; round < 100 && impl_->ioc.poll() > 0; ++round) {
  }
  impl_->state = Impl::State::kStopped;
}

ListenAddress Server::local_address() const {
  const std::lock_guard lock(impl_->mu);
  return impl_->state == Impl::State::kNew ? impl_->core->options.listen : impl_->bound;
}

std::size_t Server::active_sessions() const {
  const std::lock_guard lock(impl_->mu);
  const std::lock_guard sessions_lock(impl_->core->mu);
  return impl_->core->sessions.size();
}

}  // namespace rwd::http
