// TlsServerContext (api/tls_context.h): a certificate and key that load, errors that name the
// option, the file and OpenSSL's reason, and a reload that swaps the pair only when the new one
// loads while contexts already handed out stay usable.
#include "api/tls_context.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <boost/asio/ssl/context.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

namespace gslb::api {
namespace {

namespace fs = std::filesystem;

// A self-signed P-256 certificate (serial `serial`) and its key, written as PEM files.
void write_pair(const fs::path& cert_path, const fs::path& key_path, long serial) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* cert = X509_new();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_set_pubkey(cert, key);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_sign(cert, key, EVP_sha256());
  FILE* c = fopen(cert_path.c_str(), "w");
  PEM_write_X509(c, cert);
  fclose(c);
  FILE* k = fopen(key_path.c_str(), "w");
  PEM_write_PrivateKey(k, key, nullptr, nullptr, 0, nullptr, nullptr);
  fclose(k);
  X509_free(cert);
  EVP_PKEY_free(key);
}

long serial_of(const std::shared_ptr<boost::asio::ssl::context>& ctx) {
  X509* cert = SSL_CTX_get0_certificate(ctx->native_handle());
  return cert ? ASN1_INTEGER_get(X509_get0_serialNumber(cert)) : -1;
}

class TlsServerContextTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("gslbd-tls-test-" + std::to_string(getpid()));
    fs::create_directories(dir_);
    write_pair(cert(), key(), 1);
    write_pair(dir_ / "b.pem", dir_ / "b.key", 2);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string cert() const { return dir_ / "cert.pem"; }
  std::string key() const { return dir_ / "key.pem"; }
  void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

  fs::path dir_;
};

TEST_F(TlsServerContextTest, LoadsAMatchingPair) {
  auto t = TlsServerContext::load(cert(), key());
  ASSERT_TRUE(t.ok()) << t.error();
  EXPECT_EQ(serial_of((*t)->current()), 1);
  EXPECT_EQ((*t)->cert_file(), cert());
}

TEST_F(TlsServerContextTest, AMissingFileIsNamedWithItsOption) {
  auto t = TlsServerContext::load(cert(), key() + ".gone");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.error(), "--api-tls-key " + key() + ".gone: cannot read: No such file or directory");
  t = TlsServerContext::load(cert() + ".gone", key());
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().find("--api-tls-cert " + cert() + ".gone: cannot read"), std::string::npos);
}

TEST_F(TlsServerContextTest, AKeyOfAnotherCertificateIsAMismatch) {
  auto t = TlsServerContext::load(cert(), (dir_ / "b.key").string());
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().find("--api-tls-key " + (dir_ / "b.key").string() +
                           ": does not match the certificate in " + cert()),
            std::string::npos)
      << t.error();
  EXPECT_NE(t.error().find("key values mismatch"), std::string::npos) << t.error();
}

TEST_F(TlsServerContextTest, NotPemGivesOpenSslsReason) {
  write(cert(), "not a certificate\n");
  auto t = TlsServerContext::load(cert(), key());
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().find("--api-tls-cert " + cert() + ": not a PEM certificate: no start line"),
            std::string::npos)
      << t.error();
  write_pair(cert(), key(), 1);
  write(key(), "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n");
  t = TlsServerContext::load(cert(), key());
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().find("--api-tls-key " + key() + ": not an unencrypted PEM private key"),
            std::string::npos)
      << t.error();
}

TEST_F(TlsServerContextTest, ReloadSwapsForNewConnectionsAndKeepsHandedOutOnes) {
  auto t = TlsServerContext::load(cert(), key());
  ASSERT_TRUE(t.ok()) << t.error();
  auto before = (*t)->current();
  fs::copy_file(dir_ / "b.pem", cert(), fs::copy_options::overwrite_existing);
  fs::copy_file(dir_ / "b.key", key(), fs::copy_options::overwrite_existing);
  ASSERT_TRUE((*t)->reload().ok());
  EXPECT_EQ(serial_of((*t)->current()), 2);
  EXPECT_EQ(serial_of(before), 1);  // a connection's context is its own to the end
}

TEST_F(TlsServerContextTest, AFailedReloadKeepsThePreviousPair) {
  auto t = TlsServerContext::load(cert(), key());
  ASSERT_TRUE(t.ok()) << t.error();
  auto before = (*t)->current();
  write(cert(), "garbage\n");
  auto r = (*t)->reload();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find(cert()), std::string::npos) << r.error();
  EXPECT_EQ((*t)->current(), before);
  // A new certificate with the old key: also refused, also nothing changes.
  fs::copy_file(dir_ / "b.pem", cert(), fs::copy_options::overwrite_existing);
  r = (*t)->reload();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().find("does not match"), std::string::npos) << r.error();
  EXPECT_EQ((*t)->current(), before);
}

}  // namespace
}  // namespace gslb::api
