// Normalisations composed from primitives (GroupNorm, BatchNorm and channel LayerNorm are fused
// primitives in Autodiff/Ops/Norm.swift): LayerNorm, pixel norm and FutureGAN's minibatch stddev.

/// LayerNorm over the trailing axes `normalizedShape`, as PyTorch's `F.layer_norm`: each slice is
/// normalised with its mean and biased variance, then multiplied by `weight` and shifted by `bias`
/// (both of shape `normalizedShape`).
///
/// The normalisation runs on the fused GroupNorm kernel (one group per slice).
import ZooTensor

public func layerNorm(_ x: Tensor, normalizedShape: [Int], weight: Tensor? = nil, bias: Tensor? = nil,
                      eps: Float = 1e-5) -> Tensor {
    let k = normalizedShape.count
    require(k >= 1 && k <= x.rank && Array(x.shape.suffix(k)) == normalizedShape,
                 "layerNorm: normalizedShape \(normalizedShape) is not the trailing shape of \(x.shape)")
    let inner = normalizedShape.reduce(1, *)
    var y = groupNorm(x.reshaped([x.count / Swift.max(inner, 1), 1, inner]), groups: 1, eps: eps).reshaped(x.shape)
    if let weight { y = y * weight.reshaped(normalizedShape) }
    if let bias { y = y + bias.reshaped(normalizedShape) }
    return y
}

/// Pixelwise feature normalisation (ProGAN / FutureGAN `PixelwiseNormLayer`): x / √(mean_c(x²) + ε)
/// over the channel axis of `[N, C, ...]`.
public func pixelNorm(_ x: Tensor, eps: Float = 1e-8) -> Tensor {
    require(x.rank >= 2, "pixelNorm needs x of shape [N, C, ...], got \(x.shape)")
    return x / sqrt((x * x).mean(axis: 1, keepDims: true) + eps)
}

/// FutureGAN's `MinibatchStdConcatLayer` (averaging "all"): the standard deviation over the batch of
/// every element, √(mean_n((x − mean_n x)²) + 1e-8) (biased), averaged over all non-batch axes to one
/// scalar and appended as an extra channel: `[N, C, ...]` → `[N, C + 1, ...]`.
public func minibatchStddev(_ x: Tensor) -> Tensor {
    require(x.rank >= 2, "minibatchStddev needs x of shape [N, C, ...], got \(x.shape)")
    let centered = x - x.mean(axis: 0, keepDims: true)
    let std = sqrt((centered * centered).mean(axis: 0, keepDims: true) + 1e-8)
    var shape = x.shape
    shape[1] = 1
    let channel = std.mean().reshaped([Int](repeating: 1, count: x.rank)).expanded(to: shape)
    return concat([x, channel], axis: 1)
}
