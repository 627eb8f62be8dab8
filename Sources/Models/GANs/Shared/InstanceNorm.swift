// Instance normalisation without affine parameters or running statistics, as PyTorch's
// `nn.InstanceNorm2d(C)` defaults (RetroGAN's generator and discriminators): every (sample, channel) map is
// normalised with its own mean and biased variance, in training and evaluation alike.
import ZooCore

/// x̂ = (x − mean_hw) / √(var_hw + eps) per sample and channel of `[N, C, ...]`. Runs on the fused GroupNorm
/// primitive with one group per channel (the same statistics), so its backward is the fused one.
public func instanceNorm(_ x: Tensor, eps: Float = 1e-5) -> Tensor {
    require(x.rank >= 3, "instanceNorm needs [N, C, spatial...], got \(x.shape)")
    return groupNorm(x, groups: x.shape[1], eps: eps)
}
