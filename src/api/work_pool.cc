#include "api/work_pool.h"

#include <algorithm>

namespace attest::api {

WorkPool::WorkPool(unsigned threads, size_t max_queued) : max_queued_(max_queued) {
  threads = std::max(1u, threads);
  workers_.reserve(threads);
  for (unsigned i = 0; i < threads; ++i) workers_.emplace_back([this] { Work(); });
}

WorkPool::~WorkPool() { Shutdown(); }

bool WorkPool::TrySubmit(Task& task) {
  {
    std::lock_guard lock(mu_);
    if (stopped_ || queue_.size() >= max_queued_) return false;
    queue_.push_back(std::move(task));
  }
  cv_.notify_one();
  return true;
}

void WorkPool::Shutdown() {
  std::deque<Task> dropped;
  {
    std::lock_guard lock(mu_);
    if (stopped_ && workers_.empty()) return;
    stopped_ = true;
    dropped.swap(queue_);
  }
  cv_.notify_all();
  for (auto& t : workers_) {
    if (t.joinable()) t.join();
  }
  workers_.clear();
  dropped.clear();  // destroy captures outside the lock
}

size_t WorkPool::queued() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

void WorkPool::Work() {
  for (;;) {
    Task task;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopped_ || !queue_.empty(); });
      if (stopped_) return;
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    try {
      task();
    } catch (...) {
      // The task's own wrapper answers the request; a worker must survive whatever it ran.
    }
  }
}

}  // namespace attest::api
