// What a training run tells the outside world: events with read-only snapshots, and the reporters
// that turn them into progress output (the library never prints).

import Foundation
import ZooTensor
import ZooNN
import ZooData
import ZooMetrics

/// The state of a run after a step, as reporters see it.
public struct TrainingSnapshot: Sendable, Equatable {
    /// Steps completed.
    public var step: Int
    /// The run's total steps.
    public var totalSteps: Int
    /// The step this process started from (0, or the resumed checkpoint's step).
    public var startStep: Int
    /// The last step's losses.
    public var losses: StepLosses
    /// The learning rate of the first optimizer group at the last step.
    public var learningRate: Double
    /// Seconds since this process started training.
    public var elapsed: Double

    /// Steps per second in this process.
    public var stepsPerSecond: Double {
        elapsed > 0 ? Double(step - startStep) / elapsed : 0
    }

    /// Estimated seconds to the end, or nil before the first step.
    public var secondsRemaining: Double? {
        let rate = stepsPerSecond
        return rate > 0 ? Double(totalSteps - step) / rate : nil
    }

    /// Creates a snapshot.
    public init(step: Int, totalSteps: Int, startStep: Int, losses: StepLosses, learningRate: Double,
                elapsed: Double) {
        self.step = step
        self.totalSteps = totalSteps
        self.startStep = startStep
        self.losses = losses
        self.learningRate = learningRate
        self.elapsed = elapsed
    }
}

/// How a run ended.
public enum TrainingOutcome: Sendable, Equatable {
    /// All steps done.
    case finished
    /// Stopped on request (Ctrl-C) after saving.
    case interrupted
    /// Stopped at the time limit after saving.
    case timeLimit
}

/// Events of a run, in order: `runStart`, then `stepEnd` per step with `evalEnd` and `checkpointSaved`
/// in between at their cadences, then `runEnd`. `message` carries one-off notes.
public enum TrainingEvent: Sendable {
    /// Training starts (or resumes) at `snapshot.step`; `parameterCount` trainable scalars.
    case runStart(TrainingSnapshot, model: String, parameterCount: Int)
    /// A step finished.
    case stepEnd(TrainingSnapshot)
    /// An evaluation on test clips finished; `samples` is the strip PNG written, if any.
    case evalEnd(step: Int, metrics: [(String, Double)], samples: String?)
    /// A checkpoint was written.
    case checkpointSaved(step: Int, path: String)
    /// A note for the user (e.g. "model has no parameters").
    case message(String)
    /// The run ended.
    case runEnd(TrainingSnapshot, TrainingOutcome)
}

/// Receives training events (a progress bar, plain lines, a test collector).
public protocol TrainingReporter: AnyObject {
    /// Handles one event; called on the training thread.
    func report(_ event: TrainingEvent)
}

/// Drops every event.
public final class SilentReporter: TrainingReporter {
    public init() {}
    public func report(_ event: TrainingEvent) {}
}

/// Keeps every event (for tests and programmatic use).
public final class CollectingReporter: TrainingReporter {
    /// The events so far.
    public private(set) var events: [TrainingEvent] = []
    public init() {}
    public func report(_ event: TrainingEvent) { events.append(event) }

    /// The losses of every `stepEnd`, in order.
    public var stepLosses: [StepLosses] {
        events.compactMap { if case .stepEnd(let s) = $0 { return s.losses }; return nil }
    }

    /// The text of every `message` event, in order.
    public var messages: [String] {
        events.compactMap { if case .message(let text) = $0 { return text }; return nil }
    }
}

/// Text formatting shared by the reporters.
public enum ProgressFormat {
    /// "HH:MM:SS" (or "MM:SS" under an hour).
    public static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite, seconds >= 0 else { return "--:--" }
        let s = Int(seconds.rounded())
        let h = s / 3600, m = (s % 3600) / 60, r = s % 60
        return h > 0 ? String(format: "%02d:%02d:%02d", h, m, r) : String(format: "%02d:%02d", m, r)
    }

    /// A loss value with 4 significant digits.
    public static func value(_ v: Double) -> String {
        if v == 0 { return "0" }
        if !v.isFinite { return "\(v)" }
        let magnitude = abs(v)
        return magnitude >= 1e4 || magnitude < 1e-3 ? String(format: "%.3e", v) : String(format: "%.4g", v)
    }

    /// "loss 0.1234 loss_D 0.5" for a step's losses.
    public static func losses(_ losses: StepLosses) -> String {
        losses.map { "\($0.0) \(value(Double($0.1)))" }.joined(separator: " ")
    }

    /// "name value" pairs joined by spaces.
    public static func metrics(_ metrics: [(String, Double)]) -> String {
        metrics.map { "\($0.0) \(value($0.1))" }.joined(separator: " ")
    }

    /// The line an event prints as (nil for per-step events, which the bar or the line cadence handle).
    public static func note(for event: TrainingEvent) -> String? {
        switch event {
        case let .runStart(s, model, count):
            let verb = s.startStep > 0 ? "resuming \(model) at step \(s.startStep)" : "training \(model)"
            return "\(verb): \(count) parameters, \(s.totalSteps) steps"
        case let .evalEnd(step, metrics, samples):
            return "eval at step \(step): \(ProgressFormat.metrics(metrics))" + (samples.map { " (\($0))" } ?? "")
        case let .checkpointSaved(step, path):
            return "saved \(path) (step \(step))"
        case let .message(text):
            return text
        case let .runEnd(s, outcome):
            let rate = String(format: "%.2f it/s", s.stepsPerSecond)
            switch outcome {
            case .finished: return "done: \(s.step) steps in \(duration(s.elapsed)) (\(rate))"
            case .interrupted: return "interrupted at step \(s.step) (checkpoint saved)"
            case .timeLimit: return "time limit reached at step \(s.step) (checkpoint saved)"
            }
        case .stepEnd:
            return nil
        }
    }
}
