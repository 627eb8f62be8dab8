// Progress output for training: a redrawing bar on a terminal, plain lines otherwise, both on stderr.
// (After SwiftPM's ProgressAnimation: pick the animation from the stream.)

import Foundation
import ZooTensor
import ZooNN
import ZooData
import ZooMetrics

/// Writes text to stderr, unbuffered.
public func writeToStandardError(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
}

/// Whether stderr is a terminal (where a redrawing bar makes sense).
public var standardErrorIsTerminal: Bool {
    isatty(2) != 0 && ProcessInfo.processInfo.environment["TERM"] != "dumb"
}

/// Plain progress lines: one line every `every` steps or `interval` seconds (whichever comes first),
/// plus a line for each checkpoint, evaluation and message. For logs and pipes.
public final class LineReporter: TrainingReporter {
    private let write: (String) -> Void
    private let every: Int
    private let interval: Double
    private let now: () -> Double
    private var lastLine = -Double.infinity

    /// - Parameters:
    ///   - every: steps between lines (0: by time only).
    ///   - interval: seconds between lines (a step line is printed when either is due).
    ///   - write: where lines go (default stderr).
    ///   - now: the clock, injectable for tests.
    public init(every: Int = 100, interval: Double = 30, write: @escaping (String) -> Void = writeToStandardError,
                now: @escaping () -> Double = { Date().timeIntervalSinceReferenceDate }) {
        self.every = every
        self.interval = interval
        self.write = write
        self.now = now
    }

    public func report(_ event: TrainingEvent) {
        if case .stepEnd(let s) = event {
            let t = now()
            let due = (every > 0 && s.step % every == 0) || t - lastLine >= interval || s.step == s.totalSteps
            guard due else { return }
            lastLine = t
            write(LineReporter.line(s) + "\n")
        } else if let note = ProgressFormat.note(for: event) {
            write(note + "\n")
        }
    }

    /// "step 1200/50000 12.3 it/s ETA 01:05:10 loss 0.693".
    public static func line(_ s: TrainingSnapshot) -> String {
        var parts = ["step \(s.step)/\(s.totalSteps)", String(format: "%.2f it/s", s.stepsPerSecond)]
        if let eta = s.secondsRemaining { parts.append("ETA " + ProgressFormat.duration(eta)) }
        let losses = ProgressFormat.losses(s.losses)
        if !losses.isEmpty { parts.append(losses) }
        return parts.joined(separator: " ")
    }
}

/// Sends every event to several reporters.
public final class MultiReporter: TrainingReporter {
    private let reporters: [any TrainingReporter]
    public init(_ reporters: [any TrainingReporter]) { self.reporters = reporters }
    public func report(_ event: TrainingEvent) { for r in reporters { r.report(event) } }
}

/// The reporter the CLI uses: a progress bar when stderr is a terminal, plain lines otherwise, nothing
/// when `quiet`.
public func makeTrainingReporter(quiet: Bool, terminal: Bool = standardErrorIsTerminal) -> any TrainingReporter {
    if quiet { return SilentReporter() }
    return terminal ? ProgressBar() : LineReporter()
}
