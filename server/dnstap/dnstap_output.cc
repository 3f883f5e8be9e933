#include "server/dnstap/dnstap_output.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fstrm.h>

#include "zones/base/log.h"

namespace gslb {
namespace {

constexpr char kContentType[] = "protobuf:dnstap.Dnstap";

std::string parent_of(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// fstrm reports no errno: what can be checked up front is, so the error says what to fix.
Result<void> check_socket_path(const std::string& path) {
  if (path.empty()) return make_error(ErrorKind::invalid, "--dnstap unix:PATH: empty path");
  struct stat st {};
  const std::string dir = parent_of(path);
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    return make_error(ErrorKind::invalid,
                      "--dnstap unix:" + path + ": directory " + dir + " does not exist");
  if (stat(path.c_str(), &st) == 0 && !S_ISSOCK(st.st_mode))
    return make_error(ErrorKind::invalid, "--dnstap unix:" + path + ": exists and is not a socket");
  return {};
}

Result<void> check_file_path(const std::string& path) {
  if (path.empty()) return make_error(ErrorKind::invalid, "--dnstap: empty path");
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NONBLOCK, 0640);
  if (fd < 0)
    return make_error(ErrorKind::invalid,
                      "--dnstap " + path + ": cannot create: " + strerror(errno));
  struct stat st {};
  const bool regular = fstat(fd, &st) == 0 && (S_ISREG(st.st_mode) || S_ISCHR(st.st_mode));
  close(fd);
  if (!regular)
    return make_error(ErrorKind::invalid,
                      "--dnstap " + path + ": not a regular file (a socket is named unix:PATH)");
  return {};
}

}  // namespace

Result<std::unique_ptr<DnstapOutput>> DnstapOutput::open(const std::string& destination) {
  const bool socket = destination.rfind("unix:", 0) == 0;
  const std::string path = socket ? destination.substr(5) : destination;
  if (auto r = socket ? check_socket_path(path) : check_file_path(path); !r) return r.failure();

  fstrm_writer_options* wopt = fstrm_writer_options_init();
  fstrm_writer_options_add_content_type(wopt, kContentType, sizeof kContentType - 1);
  fstrm_writer* w = nullptr;
  if (socket) {
    fstrm_unix_writer_options* uopt = fstrm_unix_writer_options_init();
    fstrm_unix_writer_options_set_socket_path(uopt, path.c_str());
    w = fstrm_unix_writer_init(uopt, wopt);
    fstrm_unix_writer_options_destroy(&uopt);
  } else {
    fstrm_file_options* fopt = fstrm_file_options_init();
    fstrm_file_options_set_file_path(fopt, path.c_str());
    w = fstrm_file_writer_init(fopt, wopt);
    fstrm_file_options_destroy(&fopt);
  }
  fstrm_writer_options_destroy(&wopt);
  if (w == nullptr) return make_error("--dnstap " + destination + ": cannot set up the writer");
  std::unique_ptr<DnstapOutput> out(new DnstapOutput(destination, socket, w));
  if (!out->ensure_open() && !socket)
    return make_error(ErrorKind::invalid, "--dnstap " + destination + ": cannot open for writing");
  return out;
}

DnstapOutput::~DnstapOutput() {
  fstrm_writer_destroy(&writer_);  // closes: the end frame, then the file is flushed
}

bool DnstapOutput::ensure_open() {
  if (open_) return true;
  const auto now = std::chrono::steady_clock::now();
  if (now < next_attempt_) return false;
  if (fstrm_writer_open(writer_) == fstrm_res_success) {
    open_ = true;
    if (warned_) log_info("dnstap: connected to " + destination_);
    warned_ = false;
    return true;
  }
  next_attempt_ = now + std::chrono::seconds(1);
  if (!warned_)
    log_warn("dnstap: cannot connect to " + destination_ +
             " (no collector listening?); retrying every second, records dropped meanwhile");
  warned_ = true;
  return false;
}

bool DnstapOutput::write(const iovec* frames, int n) {
  if (!ensure_open()) return false;
  if (fstrm_writer_writev(writer_, frames, n) == fstrm_res_success) return true;
  fstrm_writer_close(writer_);
  open_ = false;
  if (!warned_) log_warn("dnstap: writing to " + destination_ + " failed; reconnecting");
  warned_ = true;
  next_attempt_ = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  return false;
}

}  // namespace gslb
