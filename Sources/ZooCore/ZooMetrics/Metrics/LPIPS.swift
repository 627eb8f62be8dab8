// LPIPS v0.1 with the AlexNet backbone (Zhang et al. 2018), as the `lpips` package and `lpips-jax` compute it.
//
// For two images x0, x1 in [-1, 1] ([N, 3, H, W], native size):
//   1. scaling layer: x ← (x − shift) / scale, shift (−.030, −.088, −.188), scale (.458, .448, .450);
//   2. AlexNet features f_l after the ReLUs of conv1..conv5: conv1 11x11 stride 4 pad 2 (64), max pool 3/2,
//      conv2 5x5 pad 2 (192), max pool 3/2, conv3 3x3 pad 1 (384), conv4 3x3 pad 1 (256), conv5 3x3 pad 1
//      (256); pools without padding, floor mode;
//   3. unit-normalise over channels: f̂ = f / (√Σ_c f² + 1e−10);
//   4. d_l = Σ_c w_{l,c} (f̂0 − f̂1)²_c (the 1x1 linear head, no bias), averaged over the layer's H, W;
//   5. LPIPS = Σ_l d_l.
// Frames on the 0-255 scale map to [-1, 1] by u / 127.5 − 1; gray frames are repeated to three channels
// (the network is RGB-only). Everything runs under `noGrad`.

/// The LPIPS network: AlexNet conv1-5 and the five linear heads, weights in PyTorch layout.
import ZooTensor
import ZooNN
import ZooData

public struct LPIPSNetwork: @unchecked Sendable {
    /// conv1..conv5 kernels, [Cout, Cin, kh, kw].
    public let convWeights: [Tensor]
    /// conv1..conv5 biases, [Cout].
    public let convBiases: [Tensor]
    /// The linear heads' weights, [C_l] for layer l.
    public let heads: [Tensor]

    static let shift: [Float] = [-0.030, -0.088, -0.188]
    static let scale: [Float] = [0.458, 0.448, 0.450]
    /// (kernel, stride, padding) of conv1..conv5.
    static let geometry = [(11, 4, 2), (5, 1, 2), (3, 1, 1), (3, 1, 1), (3, 1, 1)]
    /// The smallest frame side AlexNet takes: conv1 (11, stride 4, pad 2) must give 7 so that two 3x3 stride-2
    /// poolings (around conv2) leave 1 (⌊(31 + 4 − 11) / 4⌋ + 1 = 7 → 3 → 3 → 1).
    public static let minimumSize = 31

    /// Creates the network from weights in PyTorch layout (any channel widths; the standard ones are
    /// 64, 192, 384, 256, 256).
    public init(convWeights: [Tensor], convBiases: [Tensor], heads: [Tensor]) {
        require(convWeights.count == 5 && convBiases.count == 5 && heads.count == 5, "LPIPS needs 5 convs and 5 heads")
        var inChannels = 3
        for l in 0..<5 {
            let (k, _, _) = LPIPSNetwork.geometry[l]
            let out = convWeights[l].shape[0]
            require(convWeights[l].shape == [out, inChannels, k, k], "LPIPS conv\(l + 1): weight \(convWeights[l].shape)")
            require(convBiases[l].shape == [out] && heads[l].shape == [out], "LPIPS layer \(l + 1): bias or head shape")
            inChannels = out
        }
        self.convWeights = convWeights
        self.convBiases = convBiases
        self.heads = heads
    }

    /// Creates the network from arrays by flax path, as in lpips-jax's `alexnet.ckpt`
    /// ("AlexNet_0/Conv_l/kernel" [kh, kw, Cin, Cout], ".../bias", "NetLinLayer_l/Conv_0/kernel" [1, 1, C, 1]).
    public init(flaxArrays a: [String: Tensor], source: String = "<arrays>") throws {
        var w: [Tensor] = [], b: [Tensor] = [], h: [Tensor] = []
        for l in 0..<5 {
            let k = try weight(a, "AlexNet_0/Conv_\(l)/kernel", kind: .lpipsAlexNet, source: source)
            guard k.rank == 4 else { throw MetricWeightsError.invalid(.lpipsAlexNet, path: source, reason: "conv \(l) kernel \(k.shape)") }
            w.append(k.permuted([3, 2, 0, 1]))
            b.append(try weight(a, "AlexNet_0/Conv_\(l)/bias", shape: [k.shape[3]], kind: .lpipsAlexNet, source: source))
            let head = try weight(a, "NetLinLayer_\(l)/Conv_0/kernel", shape: [1, 1, k.shape[3], 1], kind: .lpipsAlexNet,
                                  source: source)
            h.append(head.reshaped([k.shape[3]]))
        }
        self.init(convWeights: w, convBiases: b, heads: h)
    }

    /// Loads the converted lpips-jax weights from the weights folder.
    /// - Throws: `MetricWeightsError.missing` with how to get them.
    public static func pretrained(in folder: String? = nil) throws -> LPIPSNetwork {
        try LPIPSNetwork(flaxArrays: MetricWeights.load(.lpipsAlexNet, in: folder),
                         source: MetricWeights.path(for: .lpipsAlexNet, in: folder))
    }

    /// The five ReLU feature maps of images in [-1, 1], [N, 3, H, W] (the scaling layer is applied here).
    public func features(_ images: Tensor) -> [Tensor] {
        require(images.rank == 4 && images.shape[1] == 3, "LPIPS: images must be [N, 3, H, W], got \(images.shape)")
        return noGrad {
            let shift = Tensor(shape: [1, 3, 1, 1], scalars: LPIPSNetwork.shift)
            let scale = Tensor(shape: [1, 3, 1, 1], scalars: LPIPSNetwork.scale)
            var x = (images - shift) / scale
            var out: [Tensor] = []
            for l in 0..<5 {
                let (_, s, p) = LPIPSNetwork.geometry[l]
                x = relu(conv2d(x, convWeights[l], bias: convBiases[l], stride: (s, s), padding: (p, p)))
                out.append(x)
                if l < 2 { x = maxPool2d(x, kernel: (3, 3), stride: (2, 2)) }
            }
            return out
        }
    }

    /// LPIPS between images in [-1, 1] ([N, 3, H, W] each): [N].
    public func distance(_ a: Tensor, _ b: Tensor) -> Tensor {
        require(a.shape == b.shape, "LPIPS: image shapes \(a.shape) and \(b.shape) differ")
        return distance(features: features(a), features(b))
    }

    /// LPIPS from precomputed feature maps (`features(_:)` of each side, same batch size): [N].
    public func distance(features fa: [Tensor], _ fb: [Tensor]) -> Tensor {
        noGrad {
            var total: Tensor? = nil
            for l in 0..<5 {
                let d = (LPIPSNetwork.unitNormalized(fa[l]) - LPIPSNetwork.unitNormalized(fb[l])).squared()
                let head = heads[l].reshaped([1, heads[l].count, 1, 1])
                let layer = (d * head).sum(axes: [1]).mean(axes: [1, 2])
                total = total.map { $0 + layer } ?? layer
            }
            return total!
        }
    }

    /// f / (√Σ_c f² + 1e−10) over the channel axis of [N, C, H, W].
    package static func unitNormalized(_ f: Tensor) -> Tensor {
        f / (sqrt(f.squared().sum(axes: [1], keepDims: true)) + 1e-10)
    }
}

/// Frames on the 0-255 scale, [N, C, H, W] with C = 1 or 3, as LPIPS input: [N, 3, H, W] in [-1, 1].
func lpipsInput(_ frames: Tensor) -> Tensor {
    let x = frames / 127.5 - 1
    if frames.shape[1] == 3 { return x }
    require(frames.shape[1] == 1, "LPIPS: frames need 1 or 3 channels, got \(frames.shape[1])")
    return x.expanded(to: [frames.shape[0], 3, frames.shape[2], frames.shape[3]])
}

/// Per-frame LPIPS of each sample against the truth: values [B, S, T]; lower is better.
///
/// - Parameters:
///   - samples: [B, S, T, C, H, W] on the 0-255 scale (C = 1 or 3).
///   - truth: [B, T, C, H, W] on the 0-255 scale.
///   - network: the LPIPS network (`LPIPSNetwork.pretrained()` for the real metric).
/// Each clip's truth features are computed once and compared with every sample.
public func lpips(samples: Tensor, truth: Tensor, network: LPIPSNetwork) -> FrameScores {
    let d = checkPredictionShapes(samples: samples, truth: truth, metric: "lpips")
    var values: [Double] = []
    values.reserveCapacity(d.b * d.s * d.t)
    noGrad {
        for clip in 0..<d.b {
            let truthFeatures = network.features(lpipsInput(truth.selecting(axis: 0, clip)))
            for s in 0..<d.s {
                let frames = samples.selecting(axis: 0, clip).selecting(axis: 0, s)
                let distances = network.distance(features: network.features(lpipsInput(frames)), truthFeatures)
                values += distances.scalars.map(Double.init)
            }
        }
    }
    return FrameScores(metric: "lpips", higherIsBetter: false, clips: d.b, samples: d.s, frames: d.t, values: values)
}
