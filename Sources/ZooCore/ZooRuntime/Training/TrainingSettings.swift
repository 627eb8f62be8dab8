// The trainer's settings: what a run does and how often it saves, evaluates and reports. Stored in
// every checkpoint so that `--resume` continues with exactly the same ones.

import Foundation
import ZooTensor
import ZooNN
import ZooData
import ZooMetrics

/// Settings of one training run. Start from `init(defaults:seed:)` (the model's own proposals) and
/// override what the user asked for.
public struct TrainingSettings: Codable, Sendable, Equatable {
    /// Total optimizer steps of the run (a resumed run continues up to this count).
    public var steps: Int
    /// Clips per batch.
    public var batchSize: Int
    /// Frames per training clip.
    public var clipLength: Int
    /// The base learning rate passed to `makeOptimizers(learningRate:)`.
    public var learningRate: Double
    /// Seed of the run: the model's initial weights, the trainer's generator and the batch order.
    public var seed: UInt64
    /// EMA decay (nil: no EMA), update interval and the step before which the EMA is a hard copy.
    public var emaDecay: Float?
    public var emaEvery: Int
    public var emaStart: Int
    /// Save a checkpoint every this many steps (and always at the end).
    public var checkpointEvery: Int
    /// How many `step-NNNNNN.h5` files to keep (older ones are deleted; `last.h5` always stays).
    public var keepCheckpoints: Int
    /// Evaluate on a few test clips every this many steps (0: only at the end).
    public var evalEvery: Int
    /// Test clips and samples per clip for those evaluations.
    public var evalClips: Int
    public var evalSamples: Int
    /// Test clips of the evaluation at the end of a finished run (nil: every test clip).
    public var finalEvalClips: Int?
    /// Where the data came from (for the record: "flow", "shapes" or a store path).
    public var data: String
    /// Stop (saving a checkpoint) after this many seconds of training in this process (nil: no limit).
    public var timeLimit: Double?

    /// The model's defaults with cadences derived from the step count: a checkpoint about every tenth
    /// of the run (at most every 1000 steps), an evaluation about every quarter.
    public init(defaults: TrainingDefaults, seed: UInt64 = 0, data: String = "flow") {
        steps = defaults.steps
        batchSize = defaults.batchSize
        clipLength = defaults.clipLength
        learningRate = defaults.learningRate
        self.seed = seed
        emaDecay = defaults.emaDecay
        emaEvery = defaults.emaEvery
        emaStart = defaults.emaStart
        checkpointEvery = 0
        keepCheckpoints = 3
        evalEvery = 0
        evalClips = 4
        evalSamples = 2
        finalEvalClips = nil
        self.data = data
        timeLimit = nil
        deriveCadences()
    }

    /// Sets `checkpointEvery` and `evalEvery` from `steps` (call after changing `steps`).
    public mutating func deriveCadences() {
        checkpointEvery = Swift.max(1, Swift.min(1000, steps / 10))
        evalEvery = Swift.max(1, steps / 4)
    }

    /// Checks the settings; throws a message naming the bad field.
    public func validate() throws {
        func fail(_ message: String) -> Error { PredictorError.invalidConfig(message) }
        guard steps >= 0 else { throw fail("steps must be ≥ 0, got \(steps)") }
        guard batchSize > 0 else { throw fail("batch size must be > 0, got \(batchSize)") }
        guard clipLength >= 2 else { throw fail("training clips need at least 2 frames, got \(clipLength)") }
        guard learningRate >= 0, learningRate.isFinite else { throw fail("learning rate must be ≥ 0, got \(learningRate)") }
        guard checkpointEvery > 0 else { throw fail("checkpoint interval must be > 0, got \(checkpointEvery)") }
        guard evalEvery >= 0, evalClips > 0, evalSamples > 0, (finalEvalClips ?? 1) > 0 else {
            throw fail("evaluation needs interval ≥ 0 and clips, samples > 0")
        }
        guard keepCheckpoints >= 1 else { throw fail("keep at least one step checkpoint") }
        if let emaDecay, !(0...1).contains(emaDecay) { throw fail("EMA decay must be in [0, 1], got \(emaDecay)") }
        guard emaEvery > 0 else { throw fail("EMA interval must be > 0") }
    }

    /// The settings as sorted JSON.
    public func json() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return try encoder.encode(self)
    }

    /// Seeds of the run's independent random streams.
    public var modelSeed: UInt64 { seed }
    /// The trainer's generator (passed to `trainStep`).
    public var trainerSeed: UInt64 { seed ^ 0x7452_4149_4E45_5221 }
    /// The batch order.
    public var dataSeed: UInt64 { seed ^ 0x4441_5441_5345_4544 }
}
