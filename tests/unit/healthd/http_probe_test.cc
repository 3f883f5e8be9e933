// The http and https probes against live targets on 127.0.0.1 (tests/unit/healthd/
// probe_testing.h): status and body verdicts, the request we send, load figures, a hanging
// server, a reset, and TLS with a self-signed certificate: untrusted, then trusted through
// SSL_CERT_FILE (verification against names and addresses, mismatches, verification off, SNI).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "healthd/probes/probe.h"
#include "tests/unit/healthd/probe_testing.h"

namespace gslb {
namespace {

using testing::closed_tcp_port;
using ::testing::HasSubstr;
using testing::HttpTarget;
using testing::loopback_spec;
using ::testing::Optional;
using testing::run_probe;
using ::testing::StartsWith;
using namespace std::chrono_literals;
using Mode = HttpTarget::Mode;

testing::ProbeRun probe_http(boost::asio::io_context& io, const ProbeSpec& spec) {
  auto probe = find_probe(spec.type)(io);
  return run_probe(io, *probe, spec);
}

TEST(HttpProbe, Status200IsOk) {
  boost::asio::io_context io;
  HttpTarget target(io, Mode::kRespond, HttpTarget::response(200, "hello"));
  auto spec = loopback_spec("http", target.port());
  spec.path = "/health?x=1";
  const auto run = probe_http(io, spec);
  EXPECT_EQ(run.calls, 1);
  EXPECT_TRUE(run.result.ok) << run.result.detail;
  EXPECT_FALSE(run.result.load.has_value());
  EXPECT_GT(run.result.rtt_us, 0u);
}

TEST(HttpProbe, SendsGetWithHostAgentAndConnectionClose) {
  boost::asio::io_context io;
  HttpTarget target(io, Mode::kRespond, HttpTarget::response(200, "hello"));
  auto spec = loopback_spec("http", target.port());
  spec.path = "/health";
  spec.host = "www.example.test";
  ASSERT_TRUE(probe_http(io, spec).result.ok);
  const std::string& req = target.last_request();
  EXPECT_THAT(req, StartsWith("GET /health HTTP/1.1\r\n"));
  EXPECT_THAT(req, HasSubstr("Host: www.example.test:" + std::to_string(target.port()) + "\r\n"));
  EXPECT_THAT(req, HasSubstr("User-Agent: gslbd-healthd\r\n"));
  EXPECT_THAT(req, HasSubstr("Connection: close\r\n"));
}

TEST(HttpProbe, HostDefaultsToTheAddress) {
  boost::asio::io_context io;
  HttpTarget target(io, Mode::kRespond, HttpTarget::response(200, ""));
  ASSERT_TRUE(probe_http(io, loopback_spec("http", target.port())).result.ok);
  EXPECT_THAT(target.last_request(),
              HasSubstr("Host: 127.0.0.1:" + std::to_string(target.port()) + "\r\n"));
}

TEST(HttpProbe, Ipv6AddressIsBracketedInHost) {
  ASSERT_TRUE(testing::have_ipv6_loopback()) << "::1 is not configured on this host";
  boost::asio::io_context io;
  HttpTarget target(io, Mode::kRespond, HttpTarget::response(200, ""), nullptr, "::1");
  auto spec = loopback_spec("http", target.port());
  spec.address = boost::asio::ip::make_address("::1");
  const auto run = probe_http(io, spec);
  EXPECT_TRUE(run.result.ok) << run.result.detail;
  EXPECT_THAT(target.last_request(),
              HasSubstr("Host: [::1]:" + std::to_string(target.port()) + "\r\n"));
}

TEST(HttpProbe, Status500FailsWithDetail) {
  boost::asio::io_context io;
  HttpTarget target(io, Mode::kRespond, HttpTarget::response(500, "oops"));
  auto spec = loopback_spec("http", target.port());
  spec.expect_status = {200};
  const auto run = probe_http(io, spec);
  EXPECT_EQ(run.calls, 1);
  EXPECT_FALSE(run.result.ok);
  EXPECT_EQ(run.result.detail, "status 500 (expected 200)");
}

TEST(HttpProbe, DefaultAcceptsRedirectsButNot404) {
  boost::asio::io_context io;
  HttpTarget redirect(io, Mode::kRespond, HttpTarget::response(302, ""));
  HttpTarget missing(io, Mode::kRespond, HttpTarget::response(404, ""));
  EXPECT_TRUE(probe_http(io, loopback_spec("http", redirect.port())).result.ok);
  const auto run = probe_http(io, loopback_spec("http", missing.port()));
  EXPECT_FALSE(run.result.ok);
  EXPECT_EQ(run.result.detail, "status 404 (expected 200-399)");
}

TEST(HttpProbe, ExpectStatusListAccepts204AndNames200And204) {
  boost::asio::io_context io;
  HttpTarget no_content(io, Mode::kRespond, "HTTP/1.1 204 No Content\r\n\r\n");
  HttpTarget created(io, Mode::kRespond, HttpTarget::response(201, ""));
  auto spec = loopback_spec("http", no_content.port());
  spec.expect_status = {200, 204};
  spec.expect_body = "";
  EXPECT_TRUE(probe_http(io, spec).result.ok);
  spec.port = created.port();
  EXPECT_EQ(probe_http(io, spec).result.detail, "status 201 (expected 200,204)");
}

TEST(HttpProbe, BodyContainingExpectedTextIsOk) {
  boost::asio::io_context io;
  HttpTarget target(io, Mode::kRespond, HttpTarget::response(200, "status: ok\n"));
  auto spec = loopback_spec("http", target.port());
  spec.expect_body = "ok";
  const auto run = probe_http(io, spec);
  EXPECT_TRUE(run.result.ok) << run.result.detail;
}

TEST(HttpProbe, WrongBodyFails) {
  boost::asio::io_context io;
  HttpTarget target(io, Mode::kRespond, HttpTarget::response(200, "status: degraded\n"));
  auto spec = loopback_spec("http", target.port());
  spec.expect_body = "ok";
  const auto run = probe_http(io, spec);
  EXPECT_EQ(run.calls, 1);
  EXPECT_FALSE(run.result.ok);
  EXPECT_EQ(run.result.detail, "body does not contain \"ok\"");
}

TEST(HttpProbe, ChunkedAndUnframedBodiesAreRead) {
  boost::asio::io_context io;
  HttpTarget chunked(io, Mode::kRespond,
                     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "3\r\nall\r\n4\r\n-ok!\r\n0\r\n\r\n");
  HttpTarget unframed(io, Mode::kRespond, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nall-ok!");
  auto spec = loopback_spec("http", chunked.port());
  spec.expect_body = "all-ok";
  EXPECT_TRUE(probe_http(io, spec).result.ok);
  spec.port = unframed.port();
  EXPECT_TRUE(probe_http(io, spec).result.ok);
}

TEST(HttpProbe, BodyIsReadOnlyUpTo64KiB) {
  boost::asio::io_context io;
  const std::string big = "head " + std::string(200 * 1024, 'x') + " tail";
  HttpTarget target(io, Mode::kRespond, HttpTarget::response(200, big));
  auto spec = loopback_spec("http", target.port());
  spec.expect_body = "head";
  EXPECT_TRUE(probe_http(io, spec).result.ok);
  spec.expect_body = "tail";
  const auto run = probe_http(io, spec);
  EXPECT_FALSE(run.result.ok);
  EXPECT_EQ(run.result.detail, "body does not contain \"tail\"");
}

TEST(HttpProbe, HangingServerTimesOutAtTheDeadline) {
  boost::asio::io_context io;
  HttpTarget target(io, Mode::kHang);
  const auto run = probe_http(io, loopback_spec("http", target.port(), 300ms));
  EXPECT_EQ(run.calls, 1);
  EXPECT_FALSE(run.result.ok);
  EXPECT_EQ(run.result.detail, "timeout after 300 ms");
  EXPECT_GE(run.elapsed, 300ms);
  EXPECT_LT(run.elapsed, 400ms);
}

TEST(HttpProbe, ConnectionResetFails) {
  boost::asio::io_context io;
  HttpTarget target(io, Mode::kReset);
  const auto run = probe_http(io, loopback_spec("http", target.port()));
  EXPECT_EQ(run.calls, 1);
  EXPECT_FALSE(run.result.ok);
  EXPECT_EQ(run.result.detail, "connection reset");
}

TEST(HttpProbe, ClosedPortFailsAsRefused) {
  boost::asio::io_context io;
  const auto run = probe_http(io, loopback_spec("http", closed_tcp_port()));
  EXPECT_FALSE(run.result.ok);
  EXPECT_EQ(run.result.detail, "connection refused");
}

TEST(HttpProbe, GarbageResponseFails) {
  boost::asio::io_context io;
  HttpTarget target(io, Mode::kGreet, "SSH-2.0-OpenSSH_9.2\r\n\r\n");
  const auto run = probe_http(io, loopback_spec("http", target.port()));
  EXPECT_FALSE(run.result.ok);
  EXPECT_THAT(run.result.detail, StartsWith("bad response: "));
}

TEST(HttpProbe, LoadComesFromTheNamedHeader) {
  boost::asio::io_context io;
  HttpTarget target(io, Mode::kRespond, HttpTarget::response(200, "ok", "X-Load: 0.75\r\n"));
  auto spec = loopback_spec("http", target.port());
  spec.load_header = "x-load";  // header names are case-insensitive
  const auto run = probe_http(io, spec);
  EXPECT_TRUE(run.result.ok) << run.result.detail;
  EXPECT_THAT(run.result.load, Optional(0.75));
}

TEST(HttpProbe, LoadComesFromTheTopLevelJsonField) {
  boost::asio::io_context io;
  HttpTarget target(
      io, Mode::kRespond,
      HttpTarget::response(200, R"({"status":"ok","load":42.5,"nested":{"load":1}})"));
  auto spec = loopback_spec("http", target.port());
  spec.load_json_field = "load";
  const auto run = probe_http(io, spec);
  EXPECT_TRUE(run.result.ok) << run.result.detail;
  EXPECT_THAT(run.result.load, Optional(42.5));
}

TEST(HttpProbe, MissingOrNonNumericLoadLeavesLoadEmptyButOk) {
  boost::asio::io_context io;
  HttpTarget text_header(io, Mode::kRespond, HttpTarget::response(200, "ok", "X-Load: high\r\n"));
  HttpTarget string_field(io, Mode::kRespond, HttpTarget::response(200, R"({"load":"42"})"));
  HttpTarget not_json(io, Mode::kRespond, HttpTarget::response(200, "load=42"));
  auto spec = loopback_spec("http", text_header.port());
  spec.load_header = "X-Load";
  auto run = probe_http(io, spec);
  EXPECT_TRUE(run.result.ok);
  EXPECT_FALSE(run.result.load.has_value());
  spec.load_header.clear();
  spec.load_json_field = "load";
  for (uint16_t port : {string_field.port(), not_json.port()}) {
    spec.port = port;
    run = probe_http(io, spec);
    EXPECT_TRUE(run.result.ok) << run.result.detail;
    EXPECT_FALSE(run.result.load.has_value());
  }
}

class HttpsProbe : public ::testing::Test {
 protected:
  HttpsProbe() : server_tls_(boost::asio::ssl::context::tls_server) {
    cert_pem_ = testing::install_self_signed(server_tls_);
  }
  boost::asio::io_context io_;
  boost::asio::ssl::context server_tls_;
  std::string cert_pem_;
};

// Makes the probes' "system" CA store our self-signed certificate: OpenSSL's default verify
// paths honour SSL_CERT_FILE, read when an io_context's TLS context is first made.
class TrustedHttpsProbe : public HttpsProbe {
 protected:
  TrustedHttpsProbe() {
    char dir_template[] = "/tmp/gslbd-probe-test-XXXXXX";
    dir_ = mkdtemp(dir_template);
    path_ = dir_ + "/ca.pem";
    std::ofstream(path_) << cert_pem_;
    setenv("SSL_CERT_FILE", path_.c_str(), 1);
    setenv("SSL_CERT_DIR", dir_.c_str(), 1);
  }
  ~TrustedHttpsProbe() override {
    unsetenv("SSL_CERT_FILE");
    unsetenv("SSL_CERT_DIR");
    std::remove(path_.c_str());
    rmdir(dir_.c_str());
  }
  std::string dir_, path_;
};

TEST_F(TrustedHttpsProbe, TrustedCertificateVerifiesAgainstTheHostName) {
  HttpTarget target(io_, Mode::kRespond, HttpTarget::response(200, "ok"), &server_tls_);
  auto spec = loopback_spec("https", target.port());
  spec.host = "localhost";
  const auto run = probe_http(io_, spec);
  EXPECT_TRUE(run.result.ok) << run.result.detail;
}

TEST_F(TrustedHttpsProbe, TrustedCertificateVerifiesAgainstTheAddress) {
  HttpTarget target(io_, Mode::kRespond, HttpTarget::response(200, "ok"), &server_tls_);
  const auto run = probe_http(io_, loopback_spec("https", target.port()));  // IP SAN 127.0.0.1
  EXPECT_TRUE(run.result.ok) << run.result.detail;
}

TEST_F(TrustedHttpsProbe, NameMismatchFailsVerification) {
  HttpTarget target(io_, Mode::kRespond, HttpTarget::response(200, "ok"), &server_tls_);
  auto spec = loopback_spec("https", target.port());
  spec.host = "www.example.test";
  const auto run = probe_http(io_, spec);
  EXPECT_FALSE(run.result.ok);
  EXPECT_EQ(run.result.detail,
            "TLS handshake failed: certificate verify failed (hostname mismatch)");
  EXPECT_EQ(target.last_sni(), "") << "the client gave up before any request";
  spec.verify_tls = false;
  EXPECT_TRUE(probe_http(io_, spec).result.ok);
  EXPECT_EQ(target.last_sni(), "www.example.test");
}

TEST_F(HttpsProbe, SelfSignedCertificateFailsVerification) {
  HttpTarget target(io_, Mode::kRespond, HttpTarget::response(200, "ok"), &server_tls_);
  auto spec = loopback_spec("https", target.port());
  spec.host = "localhost";
  const auto run = probe_http(io_, spec);
  EXPECT_EQ(run.calls, 1);
  EXPECT_FALSE(run.result.ok);
  EXPECT_THAT(run.result.detail, StartsWith("TLS handshake failed: certificate verify failed"));
  EXPECT_THAT(run.result.detail, HasSubstr("self-signed certificate"));
}

TEST_F(HttpsProbe, VerificationOffAcceptsSelfSignedAndChecksTheBody) {
  HttpTarget target(io_, Mode::kRespond, HttpTarget::response(200, "all ok"), &server_tls_);
  auto spec = loopback_spec("https", target.port());
  spec.host = "localhost";
  spec.verify_tls = false;
  spec.expect_body = "all ok";
  const auto run = probe_http(io_, spec);
  EXPECT_TRUE(run.result.ok) << run.result.detail;
  EXPECT_EQ(target.last_sni(), "localhost");
  EXPECT_THAT(target.last_request(),
              HasSubstr("Host: localhost:" + std::to_string(target.port()) + "\r\n"));
  spec.expect_body = "nope";
  EXPECT_EQ(probe_http(io_, spec).result.detail, "body does not contain \"nope\"");
}

TEST_F(HttpsProbe, NoSniForAnAddressLiteral) {
  HttpTarget target(io_, Mode::kRespond, HttpTarget::response(200, "ok"), &server_tls_);
  auto spec = loopback_spec("https", target.port());
  spec.verify_tls = false;
  ASSERT_TRUE(probe_http(io_, spec).result.ok);
  EXPECT_EQ(target.last_sni(), "");
}

TEST_F(HttpsProbe, StatusAndLoadWorkOverTls) {
  HttpTarget target(io_, Mode::kRespond, HttpTarget::response(503, "busy", "Load: 9\r\n"),
                    &server_tls_);
  auto spec = loopback_spec("https", target.port());
  spec.verify_tls = false;
  EXPECT_EQ(probe_http(io_, spec).result.detail, "status 503 (expected 200-399)");
  spec.expect_status = {503};
  spec.load_header = "Load";
  const auto run = probe_http(io_, spec);
  EXPECT_TRUE(run.result.ok) << run.result.detail;
  EXPECT_THAT(run.result.load, Optional(9.0));
}

TEST_F(HttpsProbe, PlainHttpServerFailsTheHandshake) {
  HttpTarget target(io_, Mode::kGreet, HttpTarget::response(200, "ok"));
  auto spec = loopback_spec("https", target.port());
  spec.verify_tls = false;
  const auto run = probe_http(io_, spec);
  EXPECT_FALSE(run.result.ok);
  EXPECT_THAT(run.result.detail, StartsWith("TLS handshake failed: "));
}

TEST_F(HttpsProbe, HangingTlsServerTimesOut) {
  HttpTarget target(io_, Mode::kHang, "", &server_tls_);
  auto spec = loopback_spec("https", target.port(), 300ms);
  spec.verify_tls = false;
  const auto run = probe_http(io_, spec);
  EXPECT_EQ(run.calls, 1);
  EXPECT_EQ(run.result.detail, "timeout after 300 ms");
  EXPECT_LT(run.elapsed, 400ms);
}

}  // namespace
}  // namespace gslb
