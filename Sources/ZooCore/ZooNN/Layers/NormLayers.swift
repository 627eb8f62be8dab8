// Normalisation layers: GroupNorm, LayerNorm, RVD's channel LayerNorm and BatchNorm with running
// statistics. Affine parameters start at weight 1, bias 0, as PyTorch's.

/// PyTorch's `nn.GroupNorm(groups, channels)` over [N, C, ...]: names `weight`, `bias` ([C]).
import ZooTensor

public final class GroupNorm: Module {
    public let groups: Int
    public let eps: Float
    public let weight: Parameter?
    public let bias: Parameter?

    public init(groups: Int, channels: Int, eps: Float = 1e-5, affine: Bool = true) {
        require(groups > 0 && channels % groups == 0, "GroupNorm: \(channels) channels are not divisible into \(groups) groups")
        self.groups = groups
        self.eps = eps
        weight = affine ? Parameter(Tensor.ones([channels])) : nil
        bias = affine ? Parameter(Tensor.zeros([channels])) : nil
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        groupNorm(x, groups: groups, weight: weight?.value, bias: bias?.value, eps: eps)
    }

    /// `leakyRelu(self(x), negativeSlope:)` fused into the normalisation's passes.
    public func leakyRelu(_ x: Tensor, negativeSlope: Float) -> Tensor {
        groupNormLeakyRelu(x, groups: groups, weight: weight?.value, bias: bias?.value, eps: eps, negativeSlope: negativeSlope)
    }
}

/// PyTorch's `nn.LayerNorm(normalizedShape)` over the trailing axes: names `weight`, `bias`
/// (of `normalizedShape`).
public final class LayerNorm: Module {
    public let normalizedShape: [Int]
    public let eps: Float
    public let weight: Parameter?
    public let bias: Parameter?

    public init(_ normalizedShape: [Int], eps: Float = 1e-5, affine: Bool = true) {
        self.normalizedShape = normalizedShape
        self.eps = eps
        weight = affine ? Parameter(Tensor.ones(normalizedShape)) : nil
        bias = affine ? Parameter(Tensor.zeros(normalizedShape)) : nil
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        layerNorm(x, normalizedShape: normalizedShape, weight: weight?.value, bias: bias?.value, eps: eps)
    }
}

/// RVD's `LayerNorm(dim)`: at each position of [N, C, ...], normalise over the channels with the biased
/// variance, then per-channel gain and bias. Parameters keep the reference's names and shapes:
/// `g` (ones) and `b` (zeros), each [1, C, 1, 1] for `spatialRank` 2.
public final class ChannelLayerNorm: Module {
    public let eps: Float
    /// The gain, key `g`.
    public let weight: Parameter
    /// The bias, key `b`.
    public let bias: Parameter

    public init(channels: Int, eps: Float = 1e-5, spatialRank: Int = 2) {
        self.eps = eps
        let shape = [1, channels] + [Int](repeating: 1, count: spatialRank)
        weight = Parameter(Tensor.ones(shape))
        bias = Parameter(Tensor.zeros(shape))
    }

    public func key(forProperty name: String) -> String? {
        switch name {
        case "weight": return "g"
        case "bias": return "b"
        default: return name
        }
    }

    public func callAsFunction(_ x: Tensor) -> Tensor {
        channelLayerNorm(x, weight: weight.value, bias: bias.value, eps: eps)
    }
}

/// PyTorch's `nn.BatchNorm1d/2d/3d` over [N, C, ...]. Names: `weight`, `bias` (parameters, [C]) and the
/// buffers `running_mean` (zeros), `running_var` (ones) and `num_batches_tracked`.
///
/// `callAsFunction(_:training:)` normalises with the batch statistics and updates the running ones
/// (running = (1 − momentum)·running + momentum·batch, unbiased batch variance) when `training`, and
/// normalises with the running statistics otherwise.
public final class BatchNorm: Module {
    public let momentum: Float
    public let eps: Float
    public let weight: Parameter?
    public let bias: Parameter?
    public let runningMean: Buffer
    public let runningVariance: Buffer
    /// Number of training forwards (a Float scalar; PyTorch's is int64).
    public let batchesTracked: Buffer

    public init(channels: Int, momentum: Float = 0.1, eps: Float = 1e-5, affine: Bool = true) {
        self.momentum = momentum
        self.eps = eps
        weight = affine ? Parameter(Tensor.ones([channels])) : nil
        bias = affine ? Parameter(Tensor.zeros([channels])) : nil
        runningMean = Buffer(Tensor.zeros([channels]))
        runningVariance = Buffer(Tensor.ones([channels]))
        batchesTracked = Buffer(Tensor(0))
    }

    public func key(forProperty name: String) -> String? {
        switch name {
        case "runningMean": return "running_mean"
        case "runningVariance": return "running_var"
        case "batchesTracked": return "num_batches_tracked"
        default: return name
        }
    }

    public func callAsFunction(_ x: Tensor, training: Bool) -> Tensor {
        let r = batchNorm(x, runningMean: runningMean.value, runningVariance: runningVariance.value,
                          weight: weight?.value, bias: bias?.value, training: training, momentum: momentum, eps: eps)
        if training {
            runningMean.value = r.runningMean
            runningVariance.value = r.runningVariance
            batchesTracked.value = Tensor(batchesTracked.value.item + 1)
        }
        return r.output
    }
}
