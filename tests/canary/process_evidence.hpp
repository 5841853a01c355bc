// Evidence, gathered from outside a running process, that it cannot leave its memory in a core
// file: its core size limit, its dumpable flag, what a crash leaves behind; and gcore, which
// (as root, with CAP_SYS_PTRACE) takes a core file of it anyway to show what that would hold.
#ifndef VSECM_TESTS_CANARY_PROCESS_EVIDENCE_HPP_
#define VSECM_TESTS_CANARY_PROCESS_EVIDENCE_HPP_

#include <elf.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "dev_safe.hpp"

namespace vsecm::testing {

inline std::string ReadText(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The pid of the live child of this process whose command line (arguments joined by spaces,
// with a trailing space) contains `needle`; the harnesses do not expose their pids.
inline pid_t FindChildPid(const std::string& needle) {
  const std::string parent = std::to_string(::getpid());
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    const std::string name = e.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = ReadText(e.path() / "cmdline");
    std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
    if (cmdline.find(needle) == std::string::npos) continue;
    std::string stat = ReadText(e.path() / "stat");  // pid (comm) state ppid ...
    std::istringstream fields(stat.substr(stat.rfind(')') + 2));
    std::string state, ppid;
    fields >> state >> ppid;
    if (ppid == parent && state != "Z") return static_cast<pid_t>(std::stol(name));
  }
  return -1;
}

// The "Max core file size" line of /proc/PID/limits, e.g. "0 0" (soft, hard).
inline std::string CoreLimits(pid_t pid) {
  std::istringstream in(ReadText(fmt::format("/proc/{}/limits", pid)));
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("Max core file size", 0) != 0) continue;
    std::istringstream f(line.substr(18));
    std::string soft, hard;
    f >> soft >> hard;
    return soft + " " + hard;
  }
  return "missing";
}

// Whether a process of the same uid and capabilities, but without CAP_SYS_PTRACE in its
// effective set, may read `pid`'s memory. The kernel's ptrace check (__ptrace_may_access) lets a
// same-uid caller in and then refuses it only when the target's mm is not dumpable
// (PR_SET_DUMPABLE 0) and the caller lacks an effective CAP_SYS_PTRACE; the commoncap check on
// REALCREDS compares permitted sets, which stay equal. process_vm_readv asks exactly that
// (PTRACE_MODE_ATTACH_REALCREDS) before it touches an address, so the answer is the errno:
// EPERM for a non-dumpable target, EFAULT (for the unmapped address 0x1000) for a dumpable one.
inline int MemoryReadErrno(pid_t pid) {
  pid_t child = ::fork();
  if (child == 0) {
    __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
    __user_cap_data_struct data[2]{};
    if (::syscall(SYS_capget, &header, data) != 0) ::_exit(200);
    data[0].effective &= ~(1u << CAP_SYS_PTRACE);
    if (::syscall(SYS_capset, &header, data) != 0) ::_exit(201);
    char byte;
    iovec local{&byte, 1};
    iovec remote{reinterpret_cast<void*>(0x1000), 1};
    ssize_t n = ::process_vm_readv(pid, &local, 1, &remote, 1, 0);
    ::_exit(n < 0 ? errno : 0);
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// A plain child of this test (dumpable, the test's own core limit), paused until killed: the
// control that shows what the same checks report for a process that did not harden itself.
class ControlChild {
 public:
  ControlChild() {
    pid_ = ::fork();
    if (pid_ == 0) {
      for (;;) ::pause();
    }
  }
  ~ControlChild() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  pid_t pid() const { return pid_; }
  // Kills it with `signal`; true if the kernel reports that it dumped core.
  bool KillAndReportCore(int signal) {
    ::kill(pid_, signal);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFSIGNALED(status) && WCOREDUMP(status);
  }

 private:
  pid_t pid_ = -1;
};

// Core files the kernel may have written into `dir` for core_pattern "core" (with or without
// core_uses_pid, or a "core.%p"-like pattern).
inline std::vector<std::string> CoreFilesIn(const std::string& dir) {
  std::vector<std::string> found;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    if (e.path().filename().string().rfind("core", 0) == 0) found.push_back(e.path().string());
  }
  return found;
}

struct GcoreResult {
  std::string core_path;  // empty when no core was written
  std::string output;     // what gcore said
  bool ptrace_refused = false;
};

// gdb's gcore: attaches with ptrace and writes a core file of the running process to `path`.
// gdb honours the "dd" (MADV_DONTDUMP) flag of /proc/PID/smaps and the process's
// coredump_filter, as the kernel does. The Safe loads its plugins through /proc/self/fd/N, and
// that is the name gdb finds in its list of shared libraries: opened in gdb's own process it is
// one of gdb's pipes, and gdb blocks reading it. A sysroot that does not exist keeps gdb away
// from every library file; a core file needs none of them. SIGKILL bounds it, since gdb
// ignores SIGTERM.
inline GcoreResult Gcore(pid_t pid, const std::string& path) {
  GcoreResult r;
  CommandResult run = Shell(fmt::format(
      "timeout -s KILL 60 gdb --nx --batch --readnever -iex 'set debuginfod enabled off' "
      "-iex 'set sysroot /nonexistent-sysroot' -ex 'set pagination off' -ex 'attach {}' "
      "-ex {} -ex detach",
      pid, Quote("gcore " + path)));
  r.output = run.out;
  if (run.exit_code == 0 && std::filesystem::exists(path)) r.core_path = path;
  r.ptrace_refused = run.out.find("ptrace: Operation not permitted") != std::string::npos;
  return r;
}

// Where offset `offset` of the core file `image` lies: "memory 0xADDR" (a PT_LOAD segment,
// the process's memory) or "registers" (the PT_NOTE segment: each thread's saved registers,
// including the SSE/AVX state that memcpy leaves the last bytes it copied in).
inline std::string CoreRegion(std::string_view image, size_t offset) {
  if (image.size() < sizeof(Elf64_Ehdr)) return "not an ELF file";
  Elf64_Ehdr eh;
  std::memcpy(&eh, image.data(), sizeof eh);
  for (size_t i = 0; i < eh.e_phnum; ++i) {
    Elf64_Phdr ph;
    const size_t at = eh.e_phoff + i * eh.e_phentsize;
    if (at + sizeof ph > image.size()) break;
    std::memcpy(&ph, image.data() + at, sizeof ph);
    if (offset < ph.p_offset || offset >= ph.p_offset + ph.p_filesz) continue;
    if (ph.p_type == PT_NOTE) return "registers";
    if (ph.p_type == PT_LOAD) {
      return fmt::format("memory {:#x}", ph.p_vaddr + (offset - ph.p_offset));
    }
  }
  return "elsewhere";
}

inline bool HaveGdb() { return Shell("command -v gdb").exit_code == 0; }

// Lets this process (and the children it starts) dump core up to its hard limit, so that only
// the Safe's own hardening can explain a missing core file. Returns the limit to restore.
inline rlimit RaiseCoreLimit() {
  rlimit old{};
  ::getrlimit(RLIMIT_CORE, &old);
  rlimit raised = old;
  raised.rlim_cur = raised.rlim_max;
  ::setrlimit(RLIMIT_CORE, &raised);
  return old;
}

}  // namespace vsecm::testing

#endif  // VSECM_TESTS_CANARY_PROCESS_EVIDENCE_HPP_
