// Divergence rules a model declares about its own losses (a GAN whose discriminator wins outright), and
// the monitor the trainer runs them through. NaN and infinite losses are the trainer's own check, for
// every model and every loss term; a rule covers what only the model can recognise as a failed run.

/// One bound on a loss term the model reports from `trainStep`.
public struct DivergenceBound: Sendable, Equatable, CustomStringConvertible {
    /// The loss name, as in `StepLosses`.
    public var loss: String
    /// true: the bound holds when the value is above `threshold`; false: below it.
    public var above: Bool
    public var threshold: Float

    public init(_ loss: String, above threshold: Float) {
        self.loss = loss
        self.above = true
        self.threshold = threshold
    }

    public init(_ loss: String, below threshold: Float) {
        self.loss = loss
        self.above = false
        self.threshold = threshold
    }

    /// Whether `losses` holds the term and it is past the threshold (a missing term never holds).
    public func holds(in losses: StepLosses) -> Bool {
        guard let value = losses[loss] else { return false }
        return above ? value > threshold : value < threshold
    }

    public var description: String { "\(loss) \(above ? ">" : "<") \(threshold)" }
}

/// A loss that must have stopped falling for a rule to fire: over the rule's last `patience` steps, the
/// mean of the newer half is not below the mean of the older half by more than `relativeDrop` of it.
/// A generator that still learns from other terms (a reconstruction loss beside a lightly weighted
/// adversarial one) is then not stopped while it improves.
public struct DivergenceStall: Sendable, Equatable, CustomStringConvertible {
    /// The loss name, as in `StepLosses`.
    public var loss: String
    /// The fall between the window's halves, relative to the older half's mean, that counts as progress.
    public var relativeDrop: Float

    public init(_ loss: String, relativeDrop: Float) {
        self.loss = loss
        self.relativeDrop = relativeDrop
    }

    /// Whether `window` (oldest first, one value per step; nil where the term was missing) shows no
    /// progress. A window with a missing value or fewer than two values never counts as stalled.
    public func holds(in window: [Float?]) -> Bool {
        let values = window.compactMap { $0 }
        guard values.count == window.count, values.count >= 2 else { return false }
        let half = values.count / 2
        let older = values[..<half].reduce(0, +) / Float(half)
        let newer = values[half...].reduce(0, +) / Float(values.count - half)
        return older - newer <= relativeDrop * abs(older)
    }

    public var description: String {
        let fall = relativeDrop == 0 ? "" : " by more than \(String(format: "%g", Double(relativeDrop) * 100))%"
        return "\(loss) no longer falls\(fall) from the older half of that window to the newer"
    }
}

/// A failed run the model recognises in its losses: every bound holds at once, for `patience`
/// consecutive training steps (and, when the rule has a `stall`, that loss has stopped falling over those
/// steps). Example: a least-squares GAN's discriminator wins outright when its loss is near 0 while the
/// generator's adversarial loss is near 1.
public struct DivergenceRule: Sendable, Equatable, CustomStringConvertible {
    /// What the rule detects, in words for the stop message (e.g. "the frame discriminator wins outright").
    public var name: String
    /// The bounds; all must hold in the same step.
    public var bounds: [DivergenceBound]
    /// Consecutive steps the bounds must hold (≥ 1).
    public var patience: Int
    /// A loss that must also have stopped falling over those steps (nil: the bounds alone decide).
    public var stall: DivergenceStall?

    public init(name: String, bounds: [DivergenceBound], patience: Int, stall: DivergenceStall? = nil) {
        self.name = name
        self.bounds = bounds
        self.patience = Swift.max(1, patience)
        self.stall = stall
    }

    /// Whether every bound holds in `losses` (false for a rule without bounds).
    public func holds(in losses: StepLosses) -> Bool {
        !bounds.isEmpty && bounds.allSatisfy { $0.holds(in: losses) }
    }

    public var description: String {
        let held = "\(bounds.map(\.description).joined(separator: " and ")) for \(patience) consecutive steps"
        return "\(name) (\(held)\(stall.map { ", while \($0)" } ?? ""))"
    }
}

/// Counts, per rule, the consecutive steps its bounds held; the trainer feeds it each step's losses.
/// A resumed run replays the losses of its last steps from the run's metrics log (`replay`), so it stops at
/// the same step as a run that never stopped.
public struct DivergenceMonitor: Sendable {
    public let rules: [DivergenceRule]
    public private(set) var streaks: [Int]
    /// Per rule, its stall loss over the last `patience` steps, oldest first (empty for a rule without one).
    private var windows: [[Float?]]

    public init(rules: [DivergenceRule]) {
        self.rules = rules
        streaks = [Int](repeating: 0, count: rules.count)
        windows = [[Float?]](repeating: [], count: rules.count)
    }

    /// The most past steps any rule looks at (its patience; 0 without rules).
    public var memory: Int { rules.map(\.patience).max() ?? 0 }

    /// The loss names the rules read.
    public var lossNames: Set<String> {
        Set(rules.flatMap { $0.bounds.map(\.loss) + ($0.stall.map { [$0.loss] } ?? []) })
    }

    /// Restores the streaks from the losses of the steps just before a resume, oldest first (a step that
    /// was not logged is an empty `StepLosses`, which breaks every streak). Whether a rule would have fired
    /// is not reported: the run that logged these steps did not stop on them.
    public mutating func replay(_ history: [StepLosses]) {
        for losses in history { _ = record(losses) }
    }

    /// Records one step; returns the first rule whose bounds have now held for its patience, if any.
    public mutating func record(_ losses: StepLosses) -> DivergenceRule? {
        var fired: DivergenceRule?
        for (i, rule) in rules.enumerated() {
            streaks[i] = rule.holds(in: losses) ? streaks[i] + 1 : 0
            if let stall = rule.stall {
                windows[i].append(losses[stall.loss])
                if windows[i].count > rule.patience { windows[i].removeFirst() }
            }
            let stalled = rule.stall.map { $0.holds(in: windows[i]) } ?? true
            if fired == nil, streaks[i] >= rule.patience, stalled { fired = rule }
        }
        return fired
    }
}
