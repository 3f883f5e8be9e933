#include "server/privileges.h"

#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace gslb {
namespace {

Error failed(const std::string& what) {
  return make_error(ErrorKind::io, what + ": " + std::strerror(errno));
}

// The kernel's capset(2) without libcap: the two capabilities in permitted and effective.
Result<void> keep_network_capabilities(const std::string& spec) {
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  const unsigned kept = (1u << CAP_NET_BIND_SERVICE) | (1u << CAP_NET_RAW);
  data[0].permitted = data[0].effective = kept;
  if (syscall(SYS_capset, &header, data) != 0)
    return failed("--user " + spec + ": keeping CAP_NET_BIND_SERVICE and CAP_NET_RAW");
  return {};
}

}  // namespace

Result<void> drop_privileges(const std::string& spec) {
  const size_t colon = spec.find(':');
  const std::string user = spec.substr(0, colon);
  const std::string group = colon == std::string::npos ? std::string() : spec.substr(colon + 1);
  if (user.empty()) return make_error("--user " + spec + ": no user name");
  errno = 0;
  const passwd* pw = getpwnam(user.c_str());
  if (!pw) return make_error("--user " + spec + ": no such user \"" + user + "\"");
  const uid_t uid = pw->pw_uid;
  gid_t gid = pw->pw_gid;
  if (!group.empty()) {
    const struct group* gr = getgrnam(group.c_str());
    if (!gr) return make_error("--user " + spec + ": no such group \"" + group + "\"");
    gid = gr->gr_gid;
  }
  if (geteuid() != 0) {
    if (geteuid() == uid) return {};  // already that user (a unit with User= and --user)
    return make_error("--user " + spec + ": only root can change user (running as uid " +
                      std::to_string(geteuid()) + ")");
  }
  if (uid == 0) return make_error("--user " + spec + ": that is root; name an unprivileged user");
  // Supplementary groups first (they need root), then the group, then the user: each later
  // step gives up the right to do the earlier ones.
  if (group.empty() ? initgroups(user.c_str(), gid) != 0 : setgroups(1, &gid) != 0)
    return failed("--user " + spec + ": setting the groups");
  if (prctl(PR_SET_KEEPCAPS, 1) != 0) return failed("--user " + spec + ": PR_SET_KEEPCAPS");
  if (setresgid(gid, gid, gid) != 0) return failed("--user " + spec + ": setresgid");
  if (setresuid(uid, uid, uid) != 0) return failed("--user " + spec + ": setresuid");
  if (auto r = keep_network_capabilities(spec); !r) return r;
  prctl(PR_SET_KEEPCAPS, 0);
  // Nothing this process runs may gain privileges back (setuid binaries, file capabilities).
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
    return failed("--user " + spec + ": PR_SET_NO_NEW_PRIVS");
  if (setuid(0) == 0) return make_error("--user " + spec + ": could become root again; refusing");
  return {};
}

Result<void> check_database_access(const std::string& path) {
  if (access(path.c_str(), F_OK) == 0) {
    if (access(path.c_str(), R_OK | W_OK) != 0)
      return failed("--db " + path + ": cannot read and write it as uid " +
                    std::to_string(geteuid()));
    return {};
  }
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash ? slash : 1);
  if (access(dir.c_str(), W_OK | X_OK) != 0)
    return failed("--db " + path + ": cannot create it in " + dir + " as uid " +
                  std::to_string(geteuid()));
  return {};
}

}  // namespace gslb
