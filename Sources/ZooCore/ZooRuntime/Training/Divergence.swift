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

/// A failed run the model recognises in its losses: every bound holds at once, for `patience`
/// consecutive training steps. Example: a least-squares GAN's discriminator wins outright when its loss
/// is near 0 while the generator's adversarial loss is near 1.
public struct DivergenceRule: Sendable, Equatable, CustomStringConvertible {
    /// What the rule detects, in words for the stop message (e.g. "the frame discriminator wins outright").
    public var name: String
    /// The bounds; all must hold in the same step.
    public var bounds: [DivergenceBound]
    /// Consecutive steps the bounds must hold (≥ 1).
    public var patience: Int

    public init(name: String, bounds: [DivergenceBound], patience: Int) {
        self.name = name
        self.bounds = bounds
        self.patience = Swift.max(1, patience)
    }

    /// Whether every bound holds in `losses` (false for a rule without bounds).
    public func holds(in losses: StepLosses) -> Bool {
        !bounds.isEmpty && bounds.allSatisfy { $0.holds(in: losses) }
    }

    public var description: String {
        "\(name) (\(bounds.map(\.description).joined(separator: " and ")) for \(patience) consecutive steps)"
    }
}

/// Counts, per rule, the consecutive steps its bounds held; the trainer feeds it each step's losses.
/// A resumed run replays the losses of its last steps from the run's metrics log (`replay`), so it stops at
/// the same step as a run that never stopped.
public struct DivergenceMonitor: Sendable {
    public let rules: [DivergenceRule]
    public private(set) var streaks: [Int]

    public init(rules: [DivergenceRule]) {
        self.rules = rules
        streaks = [Int](repeating: 0, count: rules.count)
    }

    /// The most past steps any rule looks at (its patience; 0 without rules).
    public var memory: Int { rules.map(\.patience).max() ?? 0 }

    /// The loss names the rules read.
    public var lossNames: Set<String> { Set(rules.flatMap { $0.bounds.map(\.loss) }) }

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
            if fired == nil, streaks[i] >= rule.patience { fired = rule }
        }
        return fired
    }
}
