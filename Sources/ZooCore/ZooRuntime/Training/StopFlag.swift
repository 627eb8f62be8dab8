// Stopping a run from outside: a thread-safe flag the trainer checks after every step, and Ctrl-C
// (SIGINT) wired to it through a Dispatch signal source.

import Dispatch
import Foundation
import ZooTensor
import ZooNN
import ZooData
import ZooMetrics

/// A request to stop, set from any thread (a signal handler, a test), read by the training loop.
public final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    public init() {}

    /// Whether a stop was requested.
    public var isSet: Bool {
        lock.lock()
        defer { lock.unlock() }
        return value
    }

    /// Requests a stop.
    public func set() {
        lock.lock()
        value = true
        lock.unlock()
    }
}

/// Routes SIGINT (Ctrl-C) to a `StopFlag`: the first one asks the run to save and stop after the
/// current step; a second one exits at once with status 130 (a checkpoint being written then is
/// abandoned; the atomic write leaves the previous one intact).
///
/// The signal handler itself only counts (async-signal-safe); a Dispatch timer polls the count every
/// 50 ms and sets the flag. (A Dispatch signal source is not used: on Linux it reads a signalfd, which
/// only sees the signal when every thread blocks it, and OpenBLAS and the batcher start threads of
/// their own.)
public final class InterruptHandler {
    private let timer: DispatchSourceTimer

    /// Installs the handler; keep the returned object alive while it should act.
    /// - Parameter onFirst: called (on a background queue) at the first Ctrl-C, e.g. to print a note.
    public init(flag: StopFlag, onFirst: @escaping @Sendable () -> Void = {}) {
        interruptCount.pointee = 0
        // A parent may have started us with SIGINT blocked (threads of a Dispatch pool block it, and
        // children inherit the mask); unblock it on this thread, which runs the training loop.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            interruptCount.pointee += 1
            if interruptCount.pointee >= 2 { _exit(130) }
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(SIGINT, &action, nil)
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue.global())
        timer.schedule(deadline: .now(), repeating: .milliseconds(50))
        timer.setEventHandler {
            guard interruptCount.pointee > 0, !flag.isSet else { return }
            flag.set()
            onFirst()
        }
        timer.resume()
    }

    /// Removes the handler and restores the default action of SIGINT.
    public func cancel() {
        timer.cancel()
        signal(SIGINT, SIG_DFL)
        interruptCount.pointee = 0
    }

    deinit { timer.cancel() }
}

/// Ctrl-C presses seen by the signal handler (allocated before any handler is installed, so the
/// handler never runs a lazy initialiser).
nonisolated(unsafe) private let interruptCount: UnsafeMutablePointer<sig_atomic_t> = {
    let pointer = UnsafeMutablePointer<sig_atomic_t>.allocate(capacity: 1)
    pointer.initialize(to: 0)
    return pointer
}()
