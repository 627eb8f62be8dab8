// The protocol every predictor in the zoo conforms to, and the data contract it declares.

import Foundation

/// What a predictor consumes and produces: frame size, channels, and how many frames it conditions on and
/// predicts. Videos are [B, T, C, H, W] in [-1, 1] (see `Tensor/Layout.swift`).
public struct ClipContract: Codable, Sendable, Equatable, CustomStringConvertible {
    public var channels: Int
    public var height: Int
    public var width: Int
    /// Frames given as context at evaluation.
    public var contextFrames: Int
    /// Frames predicted at evaluation.
    public var predictedFrames: Int

    public init(channels: Int, height: Int, width: Int, contextFrames: Int, predictedFrames: Int) {
        self.channels = channels
        self.height = height
        self.width = width
        self.contextFrames = contextFrames
        self.predictedFrames = predictedFrames
    }

    /// Context plus predicted frames: the clip length evaluation reads.
    public var clipLength: Int { contextFrames + predictedFrames }

    public var description: String {
        "\(channels)x\(height)x\(width), \(contextFrames) context + \(predictedFrames) predicted frames"
    }

    /// Checks that `frames` is a [B, T, C, H, W] video of this contract's frame size with `minimumFrames`.
    public func check(_ frames: Tensor, minimumFrames: Int, role: String) throws {
        guard frames.rank == 5, frames.shape[2] == channels, frames.shape[3] == height, frames.shape[4] == width,
              frames.shape[1] >= minimumFrames
        else {
            throw PredictorError.contractMismatch(
                "\(role) has shape \(frames.shape); the model expects [B, T ≥ \(minimumFrames), \(channels), \(height), \(width)] ([batch, time, channels, height, width])")
        }
    }
}

/// Named scalar results of a training step, in the order the model reports them (e.g. `loss`,
/// or `loss_D`, `loss_G` for a GAN).
public struct StepLosses: Sendable, Equatable, Sequence {
    public private(set) var names: [String] = []
    public private(set) var values: [Float] = []

    public init() {}
    public init(_ pairs: KeyValuePairs<String, Float>) { for (k, v) in pairs { self[k] = v } }

    public subscript(name: String) -> Float? {
        get { names.firstIndex(of: name).map { values[$0] } }
        set {
            if let i = names.firstIndex(of: name) {
                if let v = newValue { values[i] = v } else { names.remove(at: i); values.remove(at: i) }
            } else if let v = newValue { names.append(name); values.append(v) }
        }
    }

    public func makeIterator() -> Zip2Sequence<[String], [Float]>.Iterator { zip(names, values).makeIterator() }

    /// Whether every value is finite.
    public var allFinite: Bool { values.allSatisfy(\.isFinite) }
}

/// The optimizers of a model by group name ("model" for most; "generator" and "discriminator" for GANs),
/// each with the named parameters it updates.
public final class OptimizerGroup {
    public struct Member {
        public let optimizer: Optimizer
        public let parameters: [(String, Parameter)]
        /// The learning-rate schedule the trainer applies before each step.
        public let schedule: LearningRateSchedule
    }

    public private(set) var members: [(String, Member)] = []

    public init() {}

    /// Adds a group. Names must be unique.
    public func add(_ name: String, optimizer: Optimizer, parameters: [(String, Parameter)],
                    schedule: LearningRateSchedule? = nil) {
        precondition(!members.contains { $0.0 == name }, "optimizer group \(name) added twice")
        members.append((name, Member(optimizer: optimizer, parameters: parameters,
                                     schedule: schedule ?? .constant(optimizer.learningRate))))
    }

    public subscript(name: String) -> Member? { members.first { $0.0 == name }?.1 }

    /// Sets every optimizer's learning rate for `step` from its schedule.
    public func applySchedules(step: Int) {
        for (_, m) in members { m.optimizer.learningRate = m.schedule.learningRate(at: step) }
    }
}

/// Training settings a model proposes for itself (the trainer's defaults; the CLI may override).
public struct TrainingDefaults: Codable, Sendable, Equatable {
    public var steps: Int
    public var batchSize: Int
    /// Frames per training clip (may exceed the evaluation clip, or be shorter for teacher forcing).
    public var clipLength: Int
    public var learningRate: Double
    /// EMA of the weights: decay, update interval and the step before which the EMA is a hard copy.
    public var emaDecay: Float?
    public var emaEvery: Int
    public var emaStart: Int

    public init(steps: Int, batchSize: Int, clipLength: Int, learningRate: Double,
                emaDecay: Float? = nil, emaEvery: Int = 1, emaStart: Int = 0) {
        self.steps = steps
        self.batchSize = batchSize
        self.clipLength = clipLength
        self.learningRate = learningRate
        self.emaDecay = emaDecay
        self.emaEvery = emaEvery
        self.emaStart = emaStart
    }
}

/// A video predictor: a module that trains itself one step at a time and samples futures.
///
/// The model owns its step because diffusion, VAE and GAN training differ; the trainer owns the loop,
/// schedules, EMA, checkpoints, progress and logs. Keep associated types out: the CLI works with
/// `any VideoPredictor`.
public protocol VideoPredictor: Module {
    /// The registry key of the model family, e.g. "rvd".
    var modelName: String { get }
    /// Frame size, channels, context and predicted frame counts.
    var contract: ClipContract { get }
    /// Whether `predict` draws different samples for different random generators.
    var isStochastic: Bool { get }
    /// The model's config as JSON (stored in checkpoints; the registry rebuilds the model from it).
    func configJSON() throws -> Data
    /// The model's own training defaults.
    var trainingDefaults: TrainingDefaults { get }
    /// Creates the optimizers for `learningRate` (GANs make two groups).
    func makeOptimizers(learningRate: Double) -> OptimizerGroup
    /// One training step on `batch` ([B, T, C, H, W] in [-1, 1]): forward, backward, optimizer updates.
    /// - Returns: the named losses of the step.
    func trainStep(_ batch: VideoBatch, optimizers: OptimizerGroup, step: Int,
                   rng: inout RandomGenerator) -> StepLosses
    /// Samples futures: `context` [B, Tc, C, H, W] → [B, S, frameCount, C, H, W] in [-1, 1].
    func predict(context: Tensor, frameCount: Int, sampleCount: Int, rng: inout RandomGenerator) -> Tensor
    /// How the shared conformance suite exercises the model (the default suits most models).
    var conformanceHints: ConformanceHints { get }
}

/// What the conformance suite (Tests/ModelTests) needs to know about a model beyond the protocol.
public struct ConformanceHints: Sendable, Equatable {
    /// The loss that must fall when overfitting one batch (nil: the first loss `trainStep` reports).
    /// A GAN names its reconstruction or auxiliary loss here.
    public var overfitLoss: String?
    /// Steps of the overfit check; the mean of the last five losses must be below that of the first five.
    public var overfitSteps: Int
    /// Learning rate of the overfit check (nil: `trainingDefaults.learningRate`).
    public var overfitLearningRate: Double?
    /// Training steps over which every parameter must receive a nonzero gradient.
    public var gradientSteps: Int

    /// The defaults: the first loss, 40 steps at the model's learning rate, gradients over 2 steps.
    public init(overfitLoss: String? = nil, overfitSteps: Int = 40, overfitLearningRate: Double? = nil,
                gradientSteps: Int = 2) {
        self.overfitLoss = overfitLoss
        self.overfitSteps = overfitSteps
        self.overfitLearningRate = overfitLearningRate
        self.gradientSteps = gradientSteps
    }
}

extension VideoPredictor {
    public var conformanceHints: ConformanceHints { ConformanceHints() }
}

/// Errors a predictor or the registry reports to users.
public enum PredictorError: Error, CustomStringConvertible, Equatable {
    case unknownModel(name: String, known: [String], suggestion: String?)
    case unknownPreset(model: String, preset: String, known: [String])
    case invalidConfig(String)
    case contractMismatch(String)

    public var description: String {
        switch self {
        case let .unknownModel(name, known, suggestion):
            let hint = suggestion.map { " Did you mean '\($0)'?" } ?? ""
            return "unknown model '\(name)'.\(hint) Known models: \(known.joined(separator: ", "))."
        case let .unknownPreset(model, preset, known):
            return "model '\(model)' has no preset '\(preset)'. Presets: \(known.joined(separator: ", "))."
        case let .invalidConfig(message): return "invalid config: \(message)"
        case let .contractMismatch(message): return message
        }
    }
}
