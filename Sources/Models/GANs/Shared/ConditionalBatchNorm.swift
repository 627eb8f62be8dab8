// Conditional batch normalisation (de Vries et al. 2017; BigGAN's and DVD-GAN's `ConditionalNorm`): batch
// norm without its own affine parameters, then a per-sample scale and shift predicted from a condition
// vector by one linear layer.
import ZooCore

/// BatchNorm2d(affine: false) followed by γ(c)·x̂ + β(c), [γ, β] = `embed`(c) split in halves.
///
/// Names as DVD-GAN's: `bn.running_mean`, `bn.running_var`, `bn.num_batches_tracked`, `embed.weight`
/// [2C, D], `embed.bias` [2C].
///
/// Initialisation: the γ rows of `embed.weight` ~ N(0, 0.02) with bias 1, the β rows and bias 0, so the
/// layer starts as plain batch norm (γ ≈ 1, β = 0) for any condition. (The reference writes N(1, 0.02)
/// into the first C *columns* of the weight, which for D < C fills the whole matrix with values near 1:
/// γ then starts near ΣᵢcᵢC, not 1. We do not copy that.)
public final class ConditionalBatchNorm: Module {
    public let bn: BatchNorm
    public let embed: Linear
    public let channels: Int

    public init(channels: Int, conditionSize: Int, momentum: Float = 0.1, eps: Float = 1e-5,
                rng: inout RandomGenerator) {
        self.channels = channels
        bn = BatchNorm(channels: channels, momentum: momentum, eps: eps, affine: false)
        var weight = [Float](repeating: 0, count: 2 * channels * conditionSize)
        for i in 0..<(channels * conditionSize) { weight[i] = 0.02 * rng.normal() }
        let bias = [Float](repeating: 1, count: channels) + [Float](repeating: 0, count: channels)
        embed = Linear(weight: Tensor(shape: [2 * channels, conditionSize], scalars: weight),
                       bias: Tensor(shape: [2 * channels], scalars: bias))
    }

    /// `x` [N, C, H, W], `condition` [N, D] (one row per sample of `x`) → [N, C, H, W]. With `training`,
    /// batch statistics are used and the running ones updated; otherwise the running ones are used.
    public func callAsFunction(_ x: Tensor, condition: Tensor, training: Bool) -> Tensor {
        require(x.rank == 4 && x.shape[1] == channels && condition.rank == 2 && condition.shape[0] == x.shape[0],
                     "ConditionalBatchNorm(\(channels)) expects x [N, \(channels), H, W] and condition [N, D], got \(x.shape), \(condition.shape)")
        let normalized = bn(x, training: training)
        let e = embed(condition)                                           // [N, 2C]
        let gamma = e.sliced(axis: 1, 0..<channels).reshaped([x.shape[0], channels, 1, 1])
        let beta = e.sliced(axis: 1, channels..<(2 * channels)).reshaped([x.shape[0], channels, 1, 1])
        return gamma * normalized + beta
    }
}
