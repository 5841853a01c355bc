// Runs vsecm-crash-writer as a child process, reads its ACK lines as they come, and kills it
// with SIGKILL at a moment of the test's choosing.
#ifndef VSECM_TESTS_CRASH_WRITER_PROCESS_HPP_
#define VSECM_TESTS_CRASH_WRITER_PROCESS_HPP_

#include <fcntl.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace vsecm::crash {

struct Ack {
  std::string name;
  std::string digest;
  uint64_t counter = 0;
};

class WriterProcess {
 public:
  // Starts `program` with `args`; its stderr goes to `stderr_path`.
  WriterProcess(const std::string& program, const std::vector<std::string>& args,
                const std::string& stderr_path) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return;
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::vector<char*> argv = {const_cast<char*>(program.c_str())};
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    if (::posix_spawn(&pid_, program.c_str(), &actions, nullptr, argv.data(), environ) != 0) {
      pid_ = -1;
    }
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    out_ = fds[0];
  }
  ~WriterProcess() {
    Kill();
    Wait();
    if (out_ >= 0) ::close(out_);
  }
  WriterProcess(const WriterProcess&) = delete;
  WriterProcess& operator=(const WriterProcess&) = delete;

  bool started() const { return pid_ > 0; }

  // Reads output until `acks` ACK lines have arrived in total, the deadline passes, or the
  // writer closes its stdout. Returns false on the last two.
  bool ReadUntil(size_t acks, std::chrono::steady_clock::time_point deadline) {
    while (acks_.size() < acks) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) continue;
      if (!ReadSome()) return false;
    }
    return true;
  }

  void Kill() {
    if (pid_ > 0 && !reaped_) ::kill(pid_, SIGKILL);
  }

  // Collects whatever the writer still wrote before it died, and reaps it. Returns the wait
  // status.
  int Wait() {
    if (pid_ <= 0 || reaped_) return status_;
    while (ReadSome()) {
    }
    while (::waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
    return status_;
  }

  const std::vector<Ack>& acks() const { return acks_; }
  bool ready() const { return ready_; }

 private:
  // One read; false at EOF or error.
  bool ReadSome() {
    char buf[4096];
    ssize_t n = ::read(out_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) return true;
    if (n <= 0) return false;
    pending_.append(buf, static_cast<size_t>(n));
    for (size_t nl; (nl = pending_.find('\n')) != std::string::npos;) {
      std::istringstream line(pending_.substr(0, nl));
      pending_.erase(0, nl + 1);
      std::string word;
      line >> word;
      if (word == "READY") ready_ = true;
      if (word != "ACK") continue;
      Ack ack;
      line >> ack.name >> ack.digest >> ack.counter;
      acks_.push_back(ack);
    }
    return true;
  }

  pid_t pid_ = -1;
  int out_ = -1;
  int status_ = 0;
  bool reaped_ = false;
  bool ready_ = false;
  std::string pending_;  // a partial line (never happens with single-write lines; kept safe)
  std::vector<Ack> acks_;
};

}  // namespace vsecm::crash

#endif  // VSECM_TESTS_CRASH_WRITER_PROCESS_HPP_
