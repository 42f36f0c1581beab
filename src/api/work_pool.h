// WorkPool: a fixed set of worker threads with a bounded FIFO queue, so that verification,
// policy evaluation and signing never run on the Asio I/O threads (DESIGN.md "Threads"): a
// burst of heavy requests queues here while the I/O threads keep accepting, doing TLS and
// answering /health, /ready and /metrics.
//
// Thread-safe. Tasks must not throw (a throw is caught and logged by the caller's wrapper;
// here it is swallowed so a worker never dies). Shutdown() drops queued tasks unrun (their
// captures are destroyed on the calling thread) and joins the workers.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace attest::api {

class WorkPool {
 public:
  using Task = std::function<void()>;

  // `threads` >= 1 workers; at most `max_queued` tasks wait (beyond those running).
  WorkPool(unsigned threads, size_t max_queued);
  ~WorkPool();
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  // Queues `task`; false (and `task` untouched) when the queue is full or the pool stopped.
  bool TrySubmit(Task& task);
  void Shutdown();

  size_t queued() const;
  unsigned threads() const { return static_cast<unsigned>(workers_.size()); }

 private:
  void Work();

  const size_t max_queued_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Task> queue_;
  bool stopped_ = false;
  std::vector<std::thread> workers_;
};

}  // namespace attest::api
