// A redrawing progress bar for terminals: one line rewritten in place, throttled to about 10 Hz,
// always showing the final state; notes (checkpoints, evaluations) print above it.
//
//     step 1200/50000 [=====>..............] 12.3 it/s ETA 01:05:10 loss_G 0.693 loss_D 0.512

import Foundation
import ZooTensor
import ZooNN
import ZooData
import ZooMetrics

/// The terminal progress bar (after SwiftPM's `ThrottledProgressAnimation` and swift-models'
/// `ProgressPrinter`).
public final class ProgressBar: TrainingReporter {
    private let write: (String) -> Void
    private let now: () -> Double
    private let minimumInterval: Double
    private let width: () -> Int
    private var lastDraw = -Double.infinity
    private var pending: TrainingSnapshot?
    private var drawn = false
    private var shownStep: Int?

    /// - Parameters:
    ///   - minimumInterval: seconds between redraws (0.1: about 10 Hz).
    ///   - write: where the bar goes (default stderr).
    ///   - now: the clock, injectable for tests.
    ///   - width: the terminal width in columns.
    public init(minimumInterval: Double = 0.1, write: @escaping (String) -> Void = writeToStandardError,
                now: @escaping () -> Double = { Date().timeIntervalSinceReferenceDate },
                width: @escaping () -> Int = terminalWidth) {
        self.minimumInterval = minimumInterval
        self.write = write
        self.now = now
        self.width = width
    }

    public func report(_ event: TrainingEvent) {
        switch event {
        case .stepEnd(let s):
            pending = s
            let t = now()
            if t - lastDraw >= minimumInterval || s.step == s.totalSteps {
                lastDraw = t
                draw(s)
            }
        case .runEnd:
            if let pending, pending.step != shownStep || !drawn { draw(pending) }   // the final state, even when throttled away
            if drawn { write("\n") }
            drawn = false
            if let note = ProgressFormat.note(for: event) { write(note + "\n") }
        default:
            guard let note = ProgressFormat.note(for: event) else { return }
            if drawn { write("\r\u{1B}[K") }
            write(note + "\n")
            if let pending, drawn { draw(pending) }
        }
    }

    private func draw(_ s: TrainingSnapshot) {
        write("\r\u{1B}[K" + ProgressBar.line(s, width: width()))
        drawn = true
        shownStep = s.step
    }

    /// The bar's text for a snapshot, cut to `width − 1` columns.
    public static func line(_ s: TrainingSnapshot, width: Int) -> String {
        let barWidth = 20
        let fraction = s.totalSteps > 0 ? Double(s.step) / Double(s.totalSteps) : 1
        let filled = Swift.min(barWidth, Int(fraction * Double(barWidth)))
        let bar = String(repeating: "=", count: filled) + (filled < barWidth ? ">" : "")
            + String(repeating: ".", count: Swift.max(0, barWidth - filled - 1))
        var parts = ["step \(s.step)/\(s.totalSteps)", "[\(bar)]", String(format: "%.2f it/s", s.stepsPerSecond),
                     "ETA " + (s.secondsRemaining.map(ProgressFormat.duration) ?? "--:--")]
        let losses = ProgressFormat.losses(s.losses)
        if !losses.isEmpty { parts.append(losses) }
        let text = parts.joined(separator: " ")
        let limit = Swift.max(20, width - 1)
        return text.count > limit ? String(text.prefix(limit)) : text
    }
}

/// Columns of the terminal on stderr ($COLUMNS, else the window size, else 80).
public func terminalWidth() -> Int {
    if let columns = ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init), columns > 0 { return columns }
    var size = winsize()
    if ioctl(2, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
    return 80
}
