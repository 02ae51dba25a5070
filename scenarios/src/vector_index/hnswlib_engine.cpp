// The hnswlib engine: HierarchicalNSW<float> over L2Space (Debian's header-only libhnswlib-dev).
// hnswlib allocates its level-0 block, link-list table and upper-level links with malloc and
// realloc, the rest (label map, per-element mutexes, visited lists) with operator new.
#include <hnswlib/hnswlib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "vector_index/engines.hpp"
#include "vector_index/platform/vector_index.hpp"

#if defined(__SANITIZE_THREAD__)
// hnswlib 0.6.2's own concurrency, which ThreadSanitizer is told to let be; every data race
// elsewhere still fails the run. A new element's level is drawn from one std::default_random_engine
// without a lock (getRandomLevel, from concurrent addPoint calls: the levels stay random). And its
// per-element std::mutexes are freed without being destroyed (std::mutex's destructor is trivial
// with glibc), so TSan keeps the lock order of mutexes long gone and reports cycles through
// memory a later index reuses, with no stacks to suppress them by: lock-order checking is off in
// this process.
extern "C" const char* __tsan_default_suppressions() {
  return "race:hnswlib::HierarchicalNSW<float>::getRandomLevel\n";
}
extern "C" const char* __tsan_default_options() {
  return "detect_deadlocks=0";
}
#endif

namespace scenarios::vector_index {

namespace {

// Threads made once and kept, which run one job at a time with the calling thread: a build
// allocates nothing for its threads (glibc keeps each new thread's TLS vector with its cached
// stack, which a build's window would take for the index's bytes).
class WorkerThreads {
 public:
  WorkerThreads() = default;
  WorkerThreads(const WorkerThreads&) = delete;
  WorkerThreads& operator=(const WorkerThreads&) = delete;
  ~WorkerThreads() {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    started_.notify_all();
    for (std::thread& worker : workers_) worker.join();
  }

  // Makes the threads a run on `threads` threads needs (this one among them), and every piece of
  // state a thread library makes lazily for them, so that a build's window does not take it for
  // the index's bytes (kept until this object goes: a "leak" at teardown). mingw-w64's winpthreads
  // makes a mutex's state at its first lock (24 bytes), a condition variable's at its first wait
  // (176 bytes under wine: a wait of no time makes it), and more for a thread as it starts and
  // first blocks (under wine, 24 bytes of malloc and 1,248 of the Win32 heap in about one build of
  // two threads in six, when the worker started late or this thread first blocked in the build).
  // So each new worker and this thread meet here once, each blocking at least once (rendezvous()).
  void start(std::uint64_t threads) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      started_.wait_for(lock, std::chrono::seconds(0));
      finished_.wait_for(lock, std::chrono::seconds(0));
    }
    const std::size_t before = workers_.size();
    while (workers_.size() + 1 < threads) workers_.emplace_back([this] { work(); });
    if (workers_.size() > before) rendezvous();
  }

  // Runs `job(argument)` on `threads` threads (this one among them) and waits for all.
  void run(std::uint64_t threads, void (*job)(void*), void* argument) {
    start(threads);
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      post(job, argument, threads - 1);
    }
    started_.notify_all();
    job(argument);
    std::unique_lock<std::mutex> lock(mutex_);
    finished_.wait(lock, [this] { return running_ == 0; });
  }

 private:
  void post(void (*job)(void*), void* argument, std::uint64_t workers) {
    job_ = job;
    argument_ = argument;
    wanted_ = workers;
    running_ = workers;
    ++generation_;
  }

  // Every worker takes an empty job while this thread holds the lock from posting it to its wait:
  // no worker can finish first, so this thread blocks; and it wakes only once the last worker
  // has let go of the lock by waiting for the next job, so each worker has blocked too.
  void rendezvous() {
    std::unique_lock<std::mutex> lock(mutex_);
    post(nullptr, nullptr, workers_.size());
    started_.notify_all();
    finished_.wait(lock, [this] { return running_ == 0; });
  }

  void work() {
    std::uint64_t seen = 0;
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      started_.wait(lock, [&] { return stopping_ || (generation_ != seen && wanted_ > 0); });
      if (stopping_) return;
      seen = generation_;
      --wanted_;
      if (job_ != nullptr) {
        lock.unlock();
        job_(argument_);
        lock.lock();
      }
      if (--running_ == 0) finished_.notify_one();
    }
  }

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable started_, finished_;
  void (*job_)(void*) = nullptr;
  void* argument_ = nullptr;
  std::uint64_t generation_ = 0, wanted_ = 0, running_ = 0;
  bool stopping_ = false;
};

class HnswlibEngine final : public IndexEngine {
 public:
  explicit HnswlibEngine(const IndexParameters& parameters)
      : parameters_(parameters), space_(parameters.dim) {}

  void build(const VectorSource& source, std::uint64_t threads) override {
    index_ = std::make_unique<hnswlib::HierarchicalNSW<float>>(
        &space_, source.count(), parameters_.m, parameters_.ef_construction, parameters_.seed);
    struct Insertion {
      const VectorSource& source;
      hnswlib::HierarchicalNSW<float>& index;
      std::atomic<std::uint64_t> next{0};
    } insertion{source, *index_};
    workers_.run(
        threads,
        [](void* argument) {
          Insertion& work = *static_cast<Insertion*>(argument);
          std::vector<float> vector(work.source.dim());
          for (std::uint64_t label; (label = work.next.fetch_add(1)) < work.source.count();) {
            work.source.fill(label, vector.data());
            work.index.addPoint(vector.data(), label);
          }
        },
        &insertion);
  }

  std::vector<std::vector<std::uint64_t>> search(const std::vector<float>& queries,
                                                 std::uint64_t count, std::uint64_t k) override {
    index_->setEf(parameters_.ef_search);
    std::vector<std::vector<std::uint64_t>> labels(count);
    for (std::uint64_t q = 0; q < count; ++q) {
      auto nearest = index_->searchKnn(queries.data() + q * parameters_.dim, k);
      for (; !nearest.empty(); nearest.pop()) labels[q].push_back(nearest.top().second);
      std::reverse(labels[q].begin(), labels[q].end());
    }
    return labels;
  }

  void start_threads(std::uint64_t threads) override { workers_.start(threads); }

  void save(const std::string& path) override { index_->saveIndex(path); }

  void load(const std::string& path) override {
    index_.reset();
    index_ = std::make_unique<hnswlib::HierarchicalNSW<float>>(&space_, path);
  }

  void clear() override { index_.reset(); }

 private:
  IndexParameters parameters_;
  hnswlib::L2Space space_;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> index_;
  WorkerThreads workers_;
};

}  // namespace

std::unique_ptr<IndexEngine> make_hnswlib_engine(const IndexParameters& parameters) {
  return std::make_unique<HnswlibEngine>(parameters);
}

// hnswlib 0.6.2 (hnswalg.h) per element: the level-0 block of 4d data bytes, 2M links of 4 bytes,
// a 4-byte link count and an 8-byte label (malloc); an 8-byte link-list pointer (malloc); a 4-byte
// level (std::vector<int>); a std::mutex; a label-map node (next pointer, key, value: 24 bytes)
// and its bucket pointer; and, for the 1/(M-1) expected upper levels of an element (levels are
// drawn with P(level >= l) = M^-l), M links and a count per level (malloc). Fixed: 65,536 update
// mutexes. Where a mutex makes its state at its first lock (mingw-w64), the two an insertion locks
// (its element's, and the update mutex of its id modulo 65,536) add that state per element: exact
// up to N = 65,536, above it the update mutexes are all taken and this counts 24 bytes too many
// per further element.
TheoreticalSize hnswlib_theoretical_size(const IndexParameters& parameters) {
  const double d = static_cast<double>(parameters.dim), m = static_cast<double>(parameters.m);
  const double mutex = sizeof(std::mutex);
  const auto mutex_state = static_cast<double>(platform::mutex_state_bytes());
  const double upper_levels = 1.0 / (m - 1.0);
  TheoreticalSize size;
  size.bytes_per_vector = 4 * d + 2 * m * 4 + 4 + 8 + 8 + 4 + mutex + 24 + 8 +
                          upper_levels * (m * 4 + 4) + 2 * mutex_state;
  size.fixed_bytes = 65536 * mutex;
  size.formula = "4d + 2M*4 + 4 (count) + 8 (label) + 8 (link-list pointer) + 4 (level) + " +
                 std::to_string(sizeof(std::mutex)) +
                 " (mutex) + 32 (label map) + (M*4 + 4)/(M-1) (upper levels)" +
                 (mutex_state > 0 ? " + 2*" + std::to_string(platform::mutex_state_bytes()) +
                                        " (state of the 2 mutexes an insertion locks)"
                                  : "") +
                 "; fixed 65,536 mutexes";
  return size;
}

}  // namespace scenarios::vector_index
