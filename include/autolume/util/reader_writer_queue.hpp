// moodycamel's ReaderWriterQueue (Debian's libreaderwriterqueue-dev, header only), the message
// queue between threads. Include it through this header, never directly, and before anything
// else that includes it.
//
// Why: the queue publishes its slots with relaxed atomics and std::atomic_thread_fence, which
// ThreadSanitizer does not model. Upstream annotates its fences for TSan (AnnotateHappensBefore
// / After on one global address), but enables that only through clang's
// __has_feature(thread_sanitizer); under GCC the annotations were off and every message handed
// over was reported as a data race on its contents. GCC says __SANITIZE_THREAD__ instead: with
// it, the same annotations are defined here before the header reads them (clang keeps
// upstream's own). Like upstream's, the annotations use one address for every queue: a race
// ordered only through some other queue's hand-off would go unseen. Outside TSan builds nothing
// changes.
#pragma once

#if defined(__SANITIZE_THREAD__) && !defined(__clang__) && !defined(AE_TSAN_ANNOTATE_RELEASE)
// Upstream's declarations, exactly (clang's branch of the header declares them again).
extern "C" void AnnotateHappensBefore(const char*, int, void*);
extern "C" void AnnotateHappensAfter(const char*, int, void*);
namespace autolume::util {
inline int tsanQueueFence;  // the address upstream's annotations use (moodycamel::ae_tsan_global)
}  // namespace autolume::util
#define AE_TSAN_ANNOTATE_RELEASE() \
    AnnotateHappensBefore(__FILE__, __LINE__, static_cast<void*>(&::autolume::util::tsanQueueFence))
#define AE_TSAN_ANNOTATE_ACQUIRE() \
    AnnotateHappensAfter(__FILE__, __LINE__, static_cast<void*>(&::autolume::util::tsanQueueFence))
#endif

#include <readerwriterqueue/readerwriterqueue.h>
