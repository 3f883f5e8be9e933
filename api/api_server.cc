#include "api/api_server.h"

#include <filesystem>

#include "api/api_context.h"
#include "api/exposure.h"
#include "api/router.h"
#include "api/tls_context.h"
#include "server/listen_address.h"

namespace gslb::api {

struct ApiServer::Impl {
  ApiOptions options;
  ApiMetrics metrics;
  AuthFailures auth_failures;
  ApiShared shared;
  std::unique_ptr<TlsServerContext> tls;  // before http: sessions hold its contexts
  std::unique_ptr<HttpServer> http;
};

ApiServer::ApiServer(ApiOptions options, const SnapshotHolder* snapshots,
                     const UpdaterStats* updater, EngineConfig engine)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
  impl_->shared.db_path = impl_->options.db_path;
  impl_->shared.insecure_loopback = impl_->options.insecure_loopback;
  {
    std::error_code ec;
    const auto& o = impl_->options;
    impl_->shared.zone_dir =
        std::filesystem::absolute(o.zone_dir.empty()
                                      ? std::filesystem::absolute(o.db_path, ec).parent_path()
                                      : std::filesystem::path(o.zone_dir),
                                  ec)
            .lexically_normal()
            .string();
  }
  impl_->shared.engine = engine;
  impl_->shared.engine.count_stats = false;  // explain's queries are not DNS traffic
  impl_->shared.snapshots = snapshots;
  impl_->shared.updater = updater;
  impl_->shared.metrics = &impl_->metrics;
  impl_->shared.auth_failures = &impl_->auth_failures;
}

ApiServer::~ApiServer() {
  stop();
}

Result<void> ApiServer::start() {
  const ApiOptions& o = impl_->options;
  if (o.db_path.empty()) return make_error("the api role needs a database (--db PATH)");
  auto where = parse_listen_address(o.listen);
  if (!where) return make_error("--api: " + where.error());
  if (!o.token_file.empty()) {
    auto tokens = TokenFile::load(o.token_file);
    if (!tokens) return make_error("--api-token-file: " + tokens.error());
    impl_->shared.tokens = std::move(*tokens);
  }
  const bool tls = !o.tls_cert.empty() || !o.tls_key.empty();
  if (auto r = check_exposure(*where, {!o.token_file.empty(), tls, o.plain_http}); !r)
    return r.failure();
  if (tls) {
    auto loaded = TlsServerContext::load(o.tls_cert, o.tls_key);
    if (!loaded) return loaded.failure();
    impl_->tls = std::move(*loaded);
  }
  const ApiShared& shared = impl_->shared;
  impl_->http = std::make_unique<HttpServer>(
      o.listen, o.limits, o.threads,
      [&shared]() -> std::shared_ptr<void> { return std::make_shared<ApiContext>(shared); },
      [](void* state, const HttpRequest& req) {
        return dispatch(*static_cast<ApiContext*>(state), req);
      },
      impl_->tls.get());
  return impl_->http->start(o.listen_fd);
}

void ApiServer::stop() {
  if (impl_ && impl_->http) impl_->http->stop();
}

Result<void> ApiServer::reload_tls() {
  if (!impl_->tls) return {};
  return impl_->tls->reload();
}

bool ApiServer::tls() const {
  return impl_->tls != nullptr;
}

int ApiServer::listen_fd() const {
  return impl_->http ? impl_->http->listen_fd() : -1;
}

uint16_t ApiServer::port() const {
  return impl_->http ? impl_->http->port() : 0;
}

}  // namespace gslb::api
