// The health role. Two threads:
//  * the io thread runs the Asio io_context: the probes, the probe timer (armed at the next due
//    target of the Schedule) and a 50 ms tick that turns new results into observation rows
//    (fail-static rules first) and hands them to the writer;
//  * the backend thread owns the HealthBackend (the database, or the REST API of remote nodes):
//    it delivers the rows handed over and polls for configuration changes.
// The backend stays off the io thread so a slow or locked database, or a slow node, never delays
// a probe's completion handler (which would inflate the RTTs measured) or its timeout. The
// threads share only the outbox (mutex) and post()ed config.
#include "healthd/health_checker.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "healthd/probes/name_target_probe.h"
#include "healthd/probes/probe.h"
#include "healthd/probes/probe_spec.h"
#include "healthd/remote_backend.h"
#include "healthd/schedule.h"
#include "healthd/store_backend.h"
#include "healthd/targets.h"
#include "healthd/verdict.h"
#include "zones/base/log.h"
#include "zones/store/store_rows.h"

namespace gslb {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

constexpr auto kTick = 50ms;            // rows are handed to the writer at most this often
constexpr auto kConfigPollMax = 500ms;  // config_generation poll (shorter for short intervals)
constexpr auto kConfigPollMin = 50ms;
constexpr auto kNewTargetWindow = 100ms;  // targets a config change adds start within this
constexpr double kJitter = 0.1;           // each turn lasts interval * (1 +- 10 %)
constexpr auto kWriteRetry = 250ms;       // after a failed write
constexpr auto kDueSlack = 5ms;           // probes due this close together start together
constexpr auto kReferenceInterval = 1000ms;
constexpr auto kReferenceTimeout = 500ms;
constexpr int kReferenceFall = 3;

// "tcp:192.0.2.1:443", "icmp:[2001:db8::1]", "dns:192.0.2.53" as the ProbeSpec to run.
Result<ProbeSpec> parse_reference(const std::string& text) {
  const std::string bad = "healthd: reference \"" + text +
                          "\": expected tcp:ADDRESS:PORT, icmp:ADDRESS or dns:ADDRESS[:PORT]";
  size_t colon = text.find(':');
  if (colon == std::string::npos) return make_error(bad);
  ProbeSpec spec;
  spec.type = text.substr(0, colon);
  if (spec.type != "tcp" && spec.type != "icmp" && spec.type != "dns") return make_error(bad);
  std::string rest = text.substr(colon + 1), host, port;
  if (!rest.empty() && rest[0] == '[') {
    size_t close = rest.find(']');
    if (close == std::string::npos) return make_error(bad);
    host = rest.substr(1, close - 1);
    if (close + 1 < rest.size()) {
      if (rest[close + 1] != ':') return make_error(bad);
      port = rest.substr(close + 2);
    }
  } else {
    size_t c = rest.find(':');
    host = rest.substr(0, c);
    if (c != std::string::npos) port = rest.substr(c + 1);
  }
  boost::system::error_code ec;
  spec.address = boost::asio::ip::make_address(host, ec);
  if (ec) return make_error(bad + " (\"" + host + "\" is not an IP address)");
  if (!port.empty()) {
    if (port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5 ||
        std::stoi(port) < 1 || std::stoi(port) > 65535)
      return make_error(bad + " (bad port)");
    spec.port = static_cast<uint16_t>(std::stoi(port));
  }
  if (spec.type == "tcp" && spec.port == 0) return make_error(bad + " (tcp needs a port)");
  spec.timeout = kReferenceTimeout;
  return spec;
}

int64_t steady_ms(SteadyClock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

bool same_check(const CheckRow& a, const CheckRow& b) {
  auto tie = [](const CheckRow& c) {
    return std::tie(c.id, c.name, c.type, c.port, c.path, c.host, c.expect_status, c.expect_body,
                    c.interval_ms, c.timeout_ms, c.rise, c.fall, c.options_json);
  };
  return tie(a) == tie(b);
}

std::string target_name(const Target& t) {
  return t.check.type + " check " + std::to_string(t.key.check_id) + " on " + t.key.address;
}

std::string member_list(const std::vector<int64_t>& ids) {
  std::string out;
  for (int64_t id : ids) out += (out.empty() ? "" : ",") + std::to_string(id);
  return out;
}

}  // namespace

struct HealthChecker::Impl {
  Impl(HealthCheckerOptions o, Clock& c)
      : opts(std::move(o)),
        clock(c),
        schedule(opts.seed != 0 ? opts.seed : std::random_device{}(), kJitter),
        probe_timer(clock.make_timer(io)),
        tick_timer(clock.make_timer(io)),
        reference_timer(clock.make_timer(io)) {}

  // One probe target and everything the io thread knows about it.
  // Held in an unordered_map, so its address is stable until it is erased: results and the
  // dirty list reach it by pointer (a hash lookup per result was a tenth of the io thread's
  // time, mostly cache misses). A result never arrives for an erased target: erasing destroys
  // the probe, which abandons its attempt (probe.h).
  struct TargetState {
    uint64_t id = 0;
    Target target;
    ProbeSpec spec;
    ProbeFactory factory = nullptr;
    std::unique_ptr<Probe> probe;
    bool respawn = false;  // the check changed: a new probe object at the next turn
    Verdict verdict;
    Health written = Health::kUnknown;  // the verdict last handed to the writer
    int64_t result_wall_ms = 0;         // wall time of the last result
    bool dirty = false;                 // a result not yet handed to the writer (in dirty)
  };

  // ---- control thread ----
  Result<void> start();
  void stop();

  // ---- io thread ----
  void apply_config(const ConfigRows& config, std::optional<std::vector<ObservationRow>> warm);
  void update_target(TargetState& s, Target t, ProbeSpec spec, ProbeFactory factory,
                     SteadyClock::time_point now);
  uint64_t add_target(Target t, ProbeSpec spec, ProbeFactory factory,
                      const std::unordered_map<int64_t, const ObservationRow*>& stored);
  void drop_targets_except(const std::set<uint64_t>& alive);
  void update_window();
  void report(std::set<std::string> now_problems, size_t members);
  void arm_probe_timer();
  void run_due();
  void on_result(TargetState& s, ProbeResult result);
  void arm_tick();
  void tick();
  void run_reference();

  // ---- backend thread ----
  void backend_loop();
  void poll_config();
  void write(std::vector<ObservationRow> rows);

  const HealthCheckerOptions opts;
  Clock& clock;
  bool started = false, stopped = false;  // control thread

  // Declared before anything holding sockets or timers on it, so it is destroyed last.
  // One thread runs it (hint 1): handlers posted from the io thread, three per probe, go to
  // that thread's private queue instead of taking the scheduler's lock and waking the reactor.
  boost::asio::io_context io{1};
  Schedule schedule;
  std::unique_ptr<Clock::Timer> probe_timer;
  bool probe_timer_armed = false;
  SteadyClock::time_point probe_timer_at{};
  std::unique_ptr<Clock::Timer> tick_timer;
  SteadyClock::time_point tick_at{};
  std::unordered_map<uint64_t, TargetState> targets;  // by target id
  std::map<TargetKey, uint64_t> ids;
  // The targets with dirty set, so a tick walks the new results, not every target.
  std::vector<TargetState*> dirty, dirty_walk;  // dirty_walk: the tick's copy, kept for capacity
  uint64_t next_id = 1;
  bool configured = false;
  int64_t window_ms = 1000;  // longest gap between two results of one target
  bool isolated = false;
  std::string isolation_reason;  // logged once per reason
  // The reference target (HealthCheckerOptions::reference).
  std::optional<ProbeSpec> reference;
  std::unique_ptr<Probe> reference_probe;
  std::unique_ptr<Clock::Timer> reference_timer;
  NameResolver name_resolver;  // where CNAME targets' names are looked up
  int reference_failures = 0;
  bool reference_down = false;
  bool reference_ok_seen = false;  // until the reference first answers, nothing is reported
  std::string reference_detail;
  int64_t last_success_any_ms = std::numeric_limits<int64_t>::min();
  std::set<std::string> problems;  // logged once while they last
  size_t probed_targets = 0, probed_members = 0;

  // ---- shared between the io and backend threads ----
  std::mutex mu;
  std::condition_variable cv;
  std::map<int64_t, ObservationRow> outbox;  // GUARDED_BY(mu): newest row per member
  bool stopping = false;                     // GUARDED_BY(mu)

  // ---- backend thread (and start() before it runs) ----
  std::unique_ptr<HealthBackend> backend;
  SteadyClock::duration poll_period = kConfigPollMax;
  SteadyClock::time_point retry_at{};

  std::thread io_thread, backend_thread;
};

// ---------------------------------------------------------------- control thread

Result<void> HealthChecker::Impl::start() {
  if (started) return make_error("healthd: already started");
  if (stopped) return make_error("healthd: a stopped health checker cannot be started again");
  if (opts.agent_id.empty()) return make_error("healthd: the agent id is empty");
  if (opts.remote.nodes.empty()) {
    backend = std::make_unique<StoreBackend>(opts.db_path, opts.agent_id, opts.region);
  } else {
    backend = std::make_unique<RemoteBackend>(opts.remote, opts.agent_id, opts.region);
  }
  if (auto r = backend->open(); !r) return r;
  if (!opts.reference.empty()) {
    auto spec = parse_reference(opts.reference);
    if (!spec) return spec.failure();
    reference = std::move(*spec);
    ProbeFactory factory =
        opts.probe_override ? opts.probe_override(reference->type) : find_probe(reference->type);
    if (factory == nullptr) return make_error("healthd: --reference: no probe " + reference->type);
    reference_probe = factory(io);
  }
  if (!opts.resolver.empty()) {
    auto r = parse_name_resolver(opts.resolver);
    if (!r) return make_error("healthd: --resolver: " + r.error());
    name_resolver = *r;
  }
  started = true;
  arm_tick();
  if (reference) clock.post(io, [this] { run_reference(); });
  io_thread = std::thread([this] {
    auto guard = boost::asio::make_work_guard(io);
    io.run();
  });
  backend_thread = std::thread([this] { backend_loop(); });
  return {};
}

void HealthChecker::Impl::stop() {
  if (!started) return;
  {
    std::lock_guard<std::mutex> lock(mu);
    stopping = true;
  }
  backend->cancel();
  cv.notify_all();
  io.stop();
  if (io_thread.joinable()) io_thread.join();
  if (backend_thread.joinable()) backend_thread.join();
  // The io thread is gone: the probes can be destroyed here (abandoning their attempts).
  targets.clear();
  reference_probe.reset();
  ids.clear();
  backend.reset();
  started = false;
  stopped = true;
}

// ---------------------------------------------------------------- io thread

void HealthChecker::Impl::apply_config(const ConfigRows& config,
                                       std::optional<std::vector<ObservationRow>> warm) {
  const auto now = clock.now();
  TargetSet set = targets_from_config(config);
  std::set<std::string> now_problems;
  for (const std::string& p : set.problems) now_problems.insert("healthd: " + p);

  std::unordered_map<int64_t, const ObservationRow*> stored;  // warm start, this agent only
  if (warm)
    for (const ObservationRow& o : *warm)
      if (o.agent_id == opts.agent_id) stored[o.member_id] = &o;

  std::set<uint64_t> alive;
  std::vector<Schedule::NewTarget> added;
  size_t members = 0;
  for (Target& t : set.targets) {
    const std::string name = target_name(t);
    ProbeFactory factory =
        opts.probe_override ? opts.probe_override(t.check.type) : find_probe(t.check.type);
    if (factory == nullptr) {
      now_problems.insert("healthd: " + name + ": unknown probe type \"" + t.check.type +
                          "\"; not probed");
      continue;
    }
    auto spec = probe_spec_from_check(t.check, t.key.address);
    if (!spec) {
      now_problems.insert("healthd: " + name + ": " + spec.error() + "; not probed");
      continue;
    }
    members += t.member_ids.size();
    if (auto known = ids.find(t.key); known != ids.end()) {
      alive.insert(known->second);
      update_target(targets.at(known->second), std::move(t), std::move(*spec), factory, now);
      continue;
    }
    const auto interval = std::chrono::milliseconds(t.check.interval_ms);
    const uint64_t id = add_target(std::move(t), std::move(*spec), factory, stored);
    added.push_back({id, interval});
    alive.insert(id);
  }
  drop_targets_except(alive);

  // The first round after a start runs at once, spread over each target's interval; targets a
  // later change adds start within kNewTargetWindow.
  schedule.add(added, now,
               configured ? SteadyClock::duration(kNewTargetWindow)
                          : SteadyClock::duration(std::chrono::hours(24)));
  update_window();
  report(std::move(now_problems), members);
  configured = true;
  arm_probe_timer();
}

// A target the config still has: a changed check takes effect at its next turn.
void HealthChecker::Impl::update_target(TargetState& s, Target t, ProbeSpec spec,
                                        ProbeFactory factory, SteadyClock::time_point now) {
  if (!same_check(s.target.check, t.check)) {
    s.spec = std::move(spec);
    s.factory = factory;
    s.respawn = true;
    s.verdict.set_params(VerdictParams{t.check.rise, t.check.fall});
    schedule.set_interval(s.id, std::chrono::milliseconds(t.check.interval_ms), now);
  }
  // A member that joined an existing target is written with its next result.
  s.target = std::move(t);
}

// A new target (not yet scheduled); returns its id.
uint64_t HealthChecker::Impl::add_target(
    Target t, ProbeSpec spec, ProbeFactory factory,
    const std::unordered_map<int64_t, const ObservationRow*>& stored) {
  const uint64_t id = next_id++;
  TargetState s;
  s.id = id;
  s.spec = std::move(spec);
  s.factory = factory;
  s.verdict = Verdict(VerdictParams{t.check.rise, t.check.fall});
  // Warm start: the newest stored observation among the target's members (they are written
  // together) seeds its verdict, so rise/fall continue from it instead of starting over.
  const ObservationRow* newest = nullptr;
  for (int64_t m : t.member_ids) {
    auto o = stored.find(m);
    if (o != stored.end() &&
        (newest == nullptr || o->second->checked_at_ms > newest->checked_at_ms))
      newest = o->second;
  }
  if (newest != nullptr) {
    s.verdict.seed(newest->up, newest->rtt_us, newest->load, newest->detail);
    s.written = s.verdict.health();
  }
  ids.emplace(t.key, id);
  s.target = std::move(t);
  targets.emplace(id, std::move(s));
  return id;
}

// Targets gone from the config stop now: destroying the probe abandons a running attempt.
void HealthChecker::Impl::drop_targets_except(const std::set<uint64_t>& alive) {
  std::erase_if(dirty, [&](const TargetState* t) { return !alive.count(t->id); });
  for (auto it = targets.begin(); it != targets.end();) {
    if (alive.count(it->first)) {
      ++it;
      continue;
    }
    schedule.remove(it->first);
    ids.erase(it->second.target.key);
    it = targets.erase(it);
  }
}

// The longest gap between two results of one target, for the isolation checks.
void HealthChecker::Impl::update_window() {
  int64_t window = 0;
  for (const auto& [id, s] : targets) {
    const auto& c = s.target.check;
    window = std::max<int64_t>(window,
                               static_cast<int64_t>(c.interval_ms * (1 + kJitter)) + c.timeout_ms);
  }
  window_ms = window + std::chrono::duration_cast<std::chrono::milliseconds>(kTick).count();
}

// Each problem is logged when it appears, not at every config change while it lasts; the
// target count when it changes.
void HealthChecker::Impl::report(std::set<std::string> now_problems, size_t members) {
  for (const std::string& p : now_problems)
    if (!problems.count(p)) log_warn(p);
  problems = std::move(now_problems);
  if (!configured || targets.size() != probed_targets || members != probed_members)
    log_info("healthd: agent " + opts.agent_id + " probes " + std::to_string(targets.size()) +
             " target(s) for " + std::to_string(members) + " member(s)");
  probed_targets = targets.size();
  probed_members = members;
}

void HealthChecker::Impl::arm_probe_timer() {
  auto due = schedule.next_due();
  if (!due) return;
  if (probe_timer_armed && *due >= probe_timer_at) return;
  probe_timer_armed = true;
  probe_timer_at = *due;
  probe_timer->wait_until(*due, [this] {  // replaces an earlier wait
    probe_timer_armed = false;
    run_due();
  });
}

void HealthChecker::Impl::run_due() {
  // Targets due within kDueSlack start together: one timer wake-up (and one timerfd re-arm) per
  // batch instead of per probe, which at 10 000 probes a second was a tenth of the agent's CPU.
  for (uint64_t id : schedule.take_due(clock.now() + kDueSlack)) {
    auto it = targets.find(id);
    if (it == targets.end()) {
      schedule.remove(id);
      continue;
    }
    TargetState& s = it->second;
    if (!s.probe || s.respawn) {
      // The old one, if any, is idle: its last attempt finished.
      s.probe = s.spec.target_name.empty()
                    ? s.factory(io)
                    : make_name_target_probe(io, s.factory(io), name_resolver);
      s.respawn = false;
    }
    // `done` is posted, never called inside run() (probes.h), and never after the probe is
    // destroyed, which erasing the target does: the pointer is good whenever it is called.
    s.probe->run(s.spec, [this, target = &s](ProbeResult r) { on_result(*target, std::move(r)); });
  }
  arm_probe_timer();
}

void HealthChecker::Impl::on_result(TargetState& s, ProbeResult result) {
  const auto now = clock.now();
  if (!schedule.finished(s.id, now)) return;
  const int64_t now_ms = steady_ms(now);
  if (result.ok) last_success_any_ms = now_ms;
  s.verdict.record(result, now_ms);
  s.result_wall_ms = clock.wall_ms();
  if (!s.dirty) {
    s.dirty = true;
    dirty.push_back(&s);
  }
  arm_probe_timer();
}

void HealthChecker::Impl::arm_tick() {
  tick_at = clock.now() + kTick;
  tick_timer->wait_until(tick_at, [this] { tick(); });
}

void HealthChecker::Impl::tick() {
  const auto now = clock.now();
  const int64_t now_ms = steady_ms(now);

  // Fail-static: every target failing at once says more about this agent than about the sites.
  auto last = [](const auto& entry) {
    const Verdict& v = entry.second.verdict;
    return LastResult{v.has_result(), v.last_ok(), v.last_at_ms()};
  };
  // Why this agent's results count for nothing now ("" with iso: waiting for the reference's
  // first answer after a start, which is no news worth a line).
  std::string why;
  bool iso = true;
  if (reference_down) {
    why = "reference target " + opts.reference + " unreachable (" + reference_detail + ")";
  } else if (reference && !reference_ok_seen) {
    why = "";
  } else if (agent_isolated(targets, last, now_ms, window_ms)) {
    why = "all " + std::to_string(targets.size()) + " targets failing at once";
  } else {
    iso = false;
  }
  if (iso && !why.empty() && why != isolation_reason) {
    log_warn("healthd: agent " + opts.agent_id + ": " + why +
             "; this agent's own connectivity is suspect: its observations are withheld (they "
             "go stale and stop counting) until it can reach out again");
  } else if (!iso && isolated) {
    if (!isolation_reason.empty())
      log_info("healthd: agent " + opts.agent_id + ": reaching out again; observations resume");
    // Results taken while cut off count for nothing: back to the verdicts last written.
    for (auto& [id, s] : targets)
      if (s.verdict.health() != s.written) s.verdict.restore(s.written);
  }
  isolation_reason = why;
  isolated = iso;

  std::vector<ObservationRow> rows;
  dirty_walk.clear();
  dirty_walk.swap(dirty);
  for (TargetState* target : dirty_walk) {
    TargetState& s = *target;
    if (iso) {
      s.dirty = false;
      continue;
    }
    const Health h = s.verdict.health();
    if (h == Health::kUnknown) {  // no verdict yet (fewer than rise/fall results): nothing
      s.dirty = false;
      continue;
    }
    if (h == Health::kDown && s.written != Health::kDown &&
        !down_confirmed(s.verdict.failing_since_ms(), last_success_any_ms, now_ms, window_ms,
                        targets.size())) {
      dirty.push_back(&s);  // held until some probe shows this agent can still reach out
      continue;
    }
    if (h != s.written) {
      log_info("healthd: " + target_name(s.target) + " (member " +
               member_list(s.target.member_ids) + "): " + health_name(s.written) + " -> " +
               health_name(h) + (s.verdict.detail().empty() ? "" : ": " + s.verdict.detail()));
    }
    for (int64_t member : s.target.member_ids) {
      ObservationRow o;
      o.agent_id = opts.agent_id;
      o.member_id = member;
      o.up = h == Health::kUp;
      o.rtt_us = s.verdict.rtt_us();
      o.load = s.verdict.load();
      o.checked_at_ms = s.result_wall_ms;
      o.detail = s.verdict.detail();
      rows.push_back(std::move(o));
    }
    s.written = h;
    s.dirty = false;
  }
  if (!rows.empty()) {
    {
      std::lock_guard<std::mutex> lock(mu);
      for (ObservationRow& o : rows) outbox[o.member_id] = std::move(o);
    }
    cv.notify_all();
  }

  // Next tick on the 50 ms grid (no drift), skipping ticks missed in a stall.
  tick_at += kTick;
  if (tick_at <= now) tick_at = now + kTick;
  tick_timer->wait_until(tick_at, [this] { tick(); });
}

void HealthChecker::Impl::run_reference() {
  reference_probe->run(*reference, [this](ProbeResult r) {
    if (r.ok) {
      reference_failures = 0;
      reference_down = false;
      reference_ok_seen = true;
    } else if (++reference_failures >= kReferenceFall) {
      reference_down = true;
      reference_detail = r.detail;
    }
    reference_timer->wait_until(clock.now() + kReferenceInterval, [this] { run_reference(); });
  });
}

// ---------------------------------------------------------------- backend thread

void HealthChecker::Impl::poll_config() {
  std::optional<std::vector<ObservationRow>> warm;
  auto config = backend->poll_config(warm);
  if (!config) return;

  // Poll at least once per shortest interval: a deleted member stops within one interval.
  auto period = SteadyClock::duration(kConfigPollMax);
  for (const CheckRow& c : config->checks)
    period = std::min<SteadyClock::duration>(period, std::chrono::milliseconds(c.interval_ms));
  poll_period = std::max<SteadyClock::duration>(period, kConfigPollMin);

  // std::function needs a copyable callable: the rows travel behind a shared_ptr.
  auto update = std::make_shared<std::pair<ConfigRows, std::optional<std::vector<ObservationRow>>>>(
      std::move(*config), std::move(warm));
  clock.post(io, [this, update] { apply_config(update->first, std::move(update->second)); });
}

void HealthChecker::Impl::write(std::vector<ObservationRow> rows) {
  if (backend->deliver(rows)) return;
  // Back into the outbox for a retry, unless a newer row for the member arrived meanwhile.
  std::lock_guard<std::mutex> lock(mu);
  for (ObservationRow& o : rows) outbox.try_emplace(o.member_id, std::move(o));
  retry_at = clock.now() + kWriteRetry;
}

void HealthChecker::Impl::backend_loop() {
  auto next_poll = clock.now();
  std::unique_lock<std::mutex> lock(mu);
  while (!stopping) {
    const auto wake = std::min(next_poll, clock.now() + kTick);
    clock.wait_until(lock, cv, wake,
                     [&] { return stopping || (!outbox.empty() && clock.now() >= retry_at); });
    if (stopping) break;
    std::vector<ObservationRow> rows;
    if (!outbox.empty() && clock.now() >= retry_at) {
      rows.reserve(outbox.size());
      for (auto& [member, o] : outbox) rows.push_back(std::move(o));
      outbox.clear();
    }
    lock.unlock();
    if (!rows.empty()) write(std::move(rows));
    backend->idle();
    if (clock.now() >= next_poll) {
      poll_config();
      next_poll = clock.now() + poll_period;
    }
    lock.lock();
  }
  // Last rows out, if the backend takes them at once (waits give up when stopping).
  std::vector<ObservationRow> rows;
  for (auto& [member, o] : outbox) rows.push_back(std::move(o));
  outbox.clear();
  lock.unlock();
  if (!rows.empty()) (void)backend->deliver(rows);
}

// ---------------------------------------------------------------- HealthChecker

HealthChecker::HealthChecker(HealthCheckerOptions options, Clock& clock)
    : impl_(std::make_unique<Impl>(std::move(options), clock)) {}

HealthChecker::~HealthChecker() {
  stop();
}

Result<void> HealthChecker::start() {
  return impl_->start();
}

void HealthChecker::stop() {
  impl_->stop();
}

}  // namespace gslb
