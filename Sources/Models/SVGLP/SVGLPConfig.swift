// SVG-LP's config and presets: the official architecture (`bair64-lstm`, `kth64-lstm`, `smmnist-lstm`,
// with the official README's arguments), the paper's ConvLSTM variant (`bair64`, `kth64`, `city128`,
// `sim128`), `tiny` for tests and `cpu`, the default of `zoo train svg-lp` (32x32 flow on two cores).

import Foundation
import ZooCore

/// The frame encoder/decoder family (`--model` of the official training script).
public enum SVGLPBackbone: String, Codable, Sendable, CaseIterable {
    /// 3x3 convolutions with BatchNorm and max-pooling, 2-2-3-3(-3) layers per level (`models/vgg_64.py`).
    case vgg
    /// One 4x4 stride-2 convolution per level (`models/dcgan_64.py`).
    case dcgan
}

/// What the recurrent parts (frame predictor, posterior, prior) work on.
public enum SVGLPRecurrence: String, Codable, Sendable, CaseIterable {
    /// The official model: the encoder ends in a vector h ∈ R^g, the LSTMs are `nn.LSTMCell`s, z ∈ R^z.
    case lstm
    /// The RVD paper's variant (our design; see README.md): the encoder ends in a 4x4 map of g channels,
    /// the LSTMs are convolutional (3x3 gates), z is a z-channel 4x4 map.
    case convlstm
}

/// How BatchNorm normalises when `predict` samples.
public enum SVGLPTestNorm: String, Codable, Sendable, CaseIterable {
    /// Running averages (PyTorch's eval mode): a clip's prediction does not depend on the others.
    case running
    /// Batch statistics, as the official generation script leaves the encoder and decoder in train
    /// mode; statistics are taken over the clips of one sample (running averages are left unchanged).
    case batch
}

/// Everything that defines an SVG-LP model and its training.
public struct SVGLPConfig: Codable, Sendable, Equatable {
    /// Frame size, channels, context and predicted frames. The context count is also the training
    /// script's `n_past` (the skip-connection rule).
    public var contract: ClipContract
    public var backbone: SVGLPBackbone
    public var recurrence: SVGLPRecurrence
    /// Channels of the first encoder level (64 in the official code); level i has min(2^i, 8)·width.
    public var width: Int
    /// `g_dim`: the encoder's output (vector length or map channels) and the decoder's input.
    public var gDim: Int
    /// `z_dim`: latent size (vector length or map channels).
    public var zDim: Int
    /// `rnn_size`: hidden size (or channels) of every LSTM.
    public var rnnSize: Int
    /// `predictor_rnn_layers`, `posterior_rnn_layers`, `prior_rnn_layers`.
    public var predictorLayers: Int
    public var posteriorLayers: Int
    public var priorLayers: Int
    /// `beta`: weight of the KL term.
    public var beta: Double
    /// `last_frame_skip`: skips from the latest input frame at every step instead of frozen after the context.
    public var lastFrameSkip: Bool
    /// BatchNorm at sampling time (also settable as the model option "batchnorm").
    public var testBatchNorm: SVGLPTestNorm
    /// Training: frames per clip (`n_past + n_future`), clips per batch, steps, Adam's rate and betas.
    public var trainClipLength: Int
    public var batchSize: Int
    public var steps: Int
    public var learningRate: Double
    public var beta1: Double
    public var beta2: Double

    /// Resolution levels of the encoder (skip connections): log2(size / 4).
    public var levels: Int {
        var size = contract.height, count = 0
        while size > 4 { size /= 2; count += 1 }
        return count
    }

    /// Channels of encoder level `i`.
    public func levelWidth(_ i: Int) -> Int { width * Swift.min(1 << i, 8) }

    /// Checks the fields that must agree; every message names the field.
    public func validate() throws {
        func fail(_ text: String) -> Error { PredictorError.invalidConfig("svg-lp: " + text) }
        let c = contract
        guard c.channels > 0 else { throw fail("contract.channels must be > 0, got \(c.channels)") }
        guard c.contextFrames >= 1, c.predictedFrames >= 1 else {
            throw fail("contract.contextFrames and contract.predictedFrames must be ≥ 1, got \(c.contextFrames), \(c.predictedFrames)")
        }
        let size = c.height
        guard c.height == c.width, size >= 8, size & (size - 1) == 0 else {
            throw fail("contract.height/width: the \(backbone.rawValue) encoder needs square frames of 4·2^k pixels "
                       + "(8, 16, 32, 64, 128, …), got \(c.height)x\(c.width)")
        }
        for (name, value) in [("width", width), ("gDim", gDim), ("zDim", zDim), ("rnnSize", rnnSize),
                              ("predictorLayers", predictorLayers), ("posteriorLayers", posteriorLayers),
                              ("priorLayers", priorLayers)] where value < 1 {
            throw fail("\(name) must be ≥ 1, got \(value)")
        }
        guard beta >= 0, beta.isFinite else { throw fail("beta must be ≥ 0, got \(beta)") }
        guard trainClipLength >= 2 else { throw fail("trainClipLength must be ≥ 2, got \(trainClipLength)") }
        guard batchSize >= 2 || recurrence == .convlstm else {
            throw fail("batchSize must be ≥ 2 (BatchNorm of the encoder's 1x1 output in training), got \(batchSize)")
        }
        guard steps >= 0 else { throw fail("steps must be ≥ 0, got \(steps)") }
        guard learningRate > 0, learningRate.isFinite else { throw fail("learningRate must be > 0, got \(learningRate)") }
        guard (0..<1).contains(beta1), (0..<1).contains(beta2) else {
            throw fail("beta1 and beta2 must be in [0, 1), got \(beta1), \(beta2)")
        }
    }
}

// MARK: - Presets

extension SVGLPConfig {
    /// The official architecture at 64x64 with train_svg_lp.py's defaults: VGG or DCGAN width 64, g 128,
    /// rnn 256, predictor 2 LSTM layers, posterior and prior 1, batch 100, Adam β = (0.9, 0.999), 300
    /// "epochs" of 600 updates.
    static func official64(_ backbone: SVGLPBackbone, channels: Int, z: Int, beta: Double, past: Int, future: Int,
                           learningRate: Double) -> SVGLPConfig {
        SVGLPConfig(
            contract: ClipContract(channels: channels, height: 64, width: 64, contextFrames: past, predictedFrames: future),
            backbone: backbone, recurrence: .lstm, width: 64, gDim: 128, zDim: z, rnnSize: 256, predictorLayers: 2,
            posteriorLayers: 1, priorLayers: 1, beta: beta, lastFrameSkip: false, testBatchNorm: .running,
            trainClipLength: past + future, batchSize: 100, steps: 180_000, learningRate: learningRate, beta1: 0.9,
            beta2: 0.999)
    }

    /// BAIR as the official README trains it: VGG-64, RGB, z 64, β 1e-4, 2 + 10 frames, lr 0.002.
    public static let bair64LSTM = official64(.vgg, channels: 3, z: 64, beta: 1e-4, past: 2, future: 10, learningRate: 0.002)
    /// KTH with the official README's arguments (given there for SVG-FP): VGG-64, gray, z 24, β 1e-6,
    /// 10 + 10 frames, lr 0.0008.
    public static let kth64LSTM = official64(.vgg, channels: 1, z: 24, beta: 1e-6, past: 10, future: 10, learningRate: 0.0008)
    /// Stochastic Moving MNIST as the official README trains it: DCGAN-64, gray, z 10, β 1e-4, 5 + 10
    /// frames, lr 0.002.
    public static let smmnistLSTM = official64(.dcgan, channels: 1, z: 10, beta: 1e-4, past: 5, future: 10, learningRate: 0.002)

    /// The RVD paper's SVG-LP (LSTMs replaced by ConvLSTMs; our design, see README.md): the official VGG
    /// encoder/decoder and widths, a 4x4 latent map, the RVD protocol's 4 context frames.
    static func paperConv(size: Int, channels: Int, predicted: Int, z: Int, beta: Double, learningRate: Double,
                          batchSize: Int) -> SVGLPConfig {
        var c = official64(.vgg, channels: channels, z: z, beta: beta, past: 4, future: predicted,
                           learningRate: learningRate)
        c.contract = ClipContract(channels: channels, height: size, width: size, contextFrames: 4, predictedFrames: predicted)
        c.recurrence = .convlstm
        c.batchSize = batchSize
        return c
    }

    /// BAIR: 64x64 RGB, 4 + 16 frames, z 64, β 1e-4, lr 0.002, batch 32.
    public static let bair64 = paperConv(size: 64, channels: 3, predicted: 16, z: 64, beta: 1e-4, learningRate: 0.002, batchSize: 32)
    /// KTH: 64x64 gray, 4 + 12 frames, z 24, β 1e-6, lr 0.0008, batch 32.
    public static let kth64 = paperConv(size: 64, channels: 1, predicted: 12, z: 24, beta: 1e-6, learningRate: 0.0008, batchSize: 32)
    /// Cityscapes: 128x128 RGB (five encoder levels), 4 + 16 frames, z 64, β 1e-4, lr 0.002, batch 16.
    public static let city128 = paperConv(size: 128, channels: 3, predicted: 16, z: 64, beta: 1e-4, learningRate: 0.002, batchSize: 16)
    /// The vortex simulation: 128x128 gray, 4 + 16 frames, z 24, β 1e-4, lr 0.002, batch 16.
    public static let sim128 = paperConv(size: 128, channels: 1, predicted: 16, z: 24, beta: 1e-4, learningRate: 0.002, batchSize: 16)

    /// Tests: 16x16 gray, 2 + 3 frames, width 4, g 8, z 2, rnn 8 (vector LSTMs), batch 2.
    public static let tiny: SVGLPConfig = {
        var c = official64(.vgg, channels: 1, z: 2, beta: 1e-4, past: 2, future: 3, learningRate: 2e-3)
        c.contract = ClipContract(channels: 1, height: 16, width: 16, contextFrames: 2, predictedFrames: 3)
        c.width = 4
        c.gDim = 8
        c.rnnSize = 8
        c.batchSize = 2
        c.steps = 20
        return c
    }()

    /// The CPU preset, the default of `zoo train svg-lp`: 32x32 gray flow, 4 + 16 frames, the ConvLSTM
    /// variant at width 16 (three encoder levels; g 32, z 8, rnn 64; 1,495,617 parameters), Adam 2e-3,
    /// batch 8 of 12-frame clips, 300 steps (about 1.8 s each on two cores). See README.md for what was
    /// measured.
    public static let cpu: SVGLPConfig = {
        var c = paperConv(size: 32, channels: 1, predicted: 16, z: 8, beta: 1e-4, learningRate: 2e-3, batchSize: 8)
        c.width = 16
        c.gDim = 32
        c.rnnSize = 64
        c.trainClipLength = 12
        c.steps = 300
        return c
    }()

    /// Presets by name; the first is the default of `zoo train svg-lp`.
    public static let presets: KeyValuePairs<String, SVGLPConfig> = [
        "cpu": cpu, "tiny": tiny, "bair64-lstm": bair64LSTM, "kth64-lstm": kth64LSTM, "smmnist-lstm": smmnistLSTM,
        "bair64": bair64, "kth64": kth64, "city128": city128, "sim128": sim128,
    ]
}
