// Helpers for the model tests: the registry under test, test clips for any contract, a gradient probe,
// and temporary folders.
import Foundation
import ModelZoo
@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

/// Every registered model plus the README's worked example and the GAN-shaped growing test model (which
/// must pass the same suite).
let registryUnderTest = ModelRegistry(defaultRegistry.all + [TwoFramePredictor.entry, GrowingGAN.entry])

/// The preset the suite uses: "tiny" where the model has one, else its default.
func testPreset(_ entry: ModelEntry) -> String {
    entry.presetNames.contains("tiny") ? "tiny" : entry.defaultPreset
}

/// A model of the registry under test at its test preset.
func makeTestModel(_ name: String, seed: UInt64 = 1) throws -> (ModelEntry, any VideoPredictor) {
    let entry = try registryUnderTest.entry(named: name)
    var rng = RandomGenerator(seed: seed)
    return (entry, try entry.make(testPreset(entry), &rng))
}

/// Sequences that fit a contract: moving shapes where the generator can draw them (square, ≥ 16 pixels,
/// 1 or 3 channels), else smooth random patterns that drift one pixel per frame.
func testSequences(_ c: ClipContract, count: Int, frames: Int, seed: UInt64) -> VideoSequenceSet {
    if c.height == c.width, c.height >= 16, [1, 3].contains(c.channels) {
        var settings = MovingShapes.Settings()
        settings.size = c.height
        settings.channels = c.channels
        return MovingShapes.generate(count: count, frameCount: frames, settings: settings, seed: seed)
    }
    var rng = RandomGenerator(seed: seed)
    let sequences = (0..<count).map { _ -> [UInt8] in
        let phase = rng.uniform(0, 6.28), fx = rng.uniform(0.2, 0.6), fy = rng.uniform(0.2, 0.6)
        var out = [UInt8](repeating: 0, count: frames * c.height * c.width * c.channels)
        for t in 0..<frames {
            for y in 0..<c.height {
                for x in 0..<c.width {
                    let v = sin(fx * Float(x + t) + phase) * cos(fy * Float(y))
                    for ch in 0..<c.channels {
                        out[((t * c.height + y) * c.width + x) * c.channels + ch] = UInt8(127.5 + 120 * v)
                    }
                }
            }
        }
        return out
    }
    return VideoSequenceSet(height: c.height, width: c.width, channels: c.channels, sequences: sequences)
}

/// One batch of `batchSize` clips of `length` frames for a contract.
func testBatch(_ c: ClipContract, length: Int, batchSize: Int = 2, seed: UInt64 = 0) throws -> VideoBatch {
    let set = testSequences(c, count: batchSize, frames: length, seed: seed)
    let batcher = try Batcher(source: set, batchSize: batchSize, clipLength: length, order: .fixed(startFrame: 0),
                              prefetch: 0)
    return try batcher.batch(at: 0)
}

/// An optimizer that records the absolute sum of each gradient it is given and leaves the weights as
/// they are: `trainStep` run with it shows which parameters receive gradients.
final class GradientProbe: Optimizer {
    init() { super.init(learningRate: 0) }

    override func updatedValue(_ value: Tensor, gradient: Tensor, state: inout [String: Tensor]) -> Tensor {
        var sum: Float = 0
        var finite = true
        for g in gradient.scalars { sum += abs(g); finite = finite && g.isFinite }
        state["absSum"] = Tensor((state["absSum"]?.item ?? 0) + sum)
        state["finite"] = Tensor(finite && (state["finite"]?.item ?? 1) == 1 ? 1 : 0)
        return value
    }

    /// Replaces every optimizer of `group` with a probe (same group names and parameters).
    static func probing(_ group: OptimizerGroup) -> OptimizerGroup {
        let probes = OptimizerGroup()
        for (name, member) in group.members {
            probes.add(name, optimizer: GradientProbe(), parameters: member.parameters, ema: member.ema)
        }
        return probes
    }
}

/// A fresh temporary folder, removed by `remove()`.
struct TemporaryFolder {
    let path: String

    init(_ label: String = "zoo-model-tests") throws {
        path = NSTemporaryDirectory() + "\(label)-\(getpid())-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func remove() { try? FileManager.default.removeItem(atPath: path) }
}

/// Bitwise equality of two tensors.
func identical(_ a: Tensor, _ b: Tensor) -> Bool { a.shape == b.shape && a.scalars == b.scalars }

/// Settings for short test runs: no evaluation, a checkpoint at `checkpointEvery`.
func shortSettings(_ model: any VideoPredictor, steps: Int, checkpointEvery: Int, seed: UInt64 = 3) -> TrainingSettings {
    var settings = TrainingSettings(defaults: model.trainingDefaults, seed: seed, data: "test")
    settings.steps = steps
    settings.checkpointEvery = checkpointEvery
    settings.evalEvery = 0
    settings.keepCheckpoints = 10
    return settings
}

/// Runs `body`. It marks comparisons that must be bit-identical (same seed, checkpoint round trip,
/// resume); they no longer need OpenBLAS held at one thread while they run, since OpenBLAS always runs
/// one thread and zoo's own sgemm split does not change any result (BLAS.swift).
func withFixedBLASThreads<R>(_ body: () throws -> R) throws -> R {
    try body()
}
