// Fused normalisation primitives: GroupNorm (optionally with the leaky ReLU that follows it), BatchNorm
// and channel LayerNorm.
//
// Why primitives and not compositions of mean/variance/sub/mul: composed, a normalisation makes about ten
// passes over memory and as many temporaries; fused it is two passes forward and two backward (see
// Kernels/NormKernels.swift and ChannelNormKernels.swift). Their backward closures call the fused
// backward kernels in normal training. When the backward pass is itself recorded (createGraph, e.g. a
// gradient penalty), they instead write the same gradient formula with recorded tensor ops
// (`normalizationBackwardComposite`), so it can be differentiated again.

// MARK: - normalization backward (composite)
// With x̂ = (x − μ)·r, r = 1/√(σ² + ε), statistics over `axes`, y = x̂·w + b and g = ∂L/∂y:
//   ∂L/∂x = r·(w g − ⟨w g⟩ − x̂·⟨w g x̂⟩)    ∂L/∂w = Σ g x̂    ∂L/∂b = Σ g    (⟨·⟩ = mean over `axes`)
/// The gradients of a batch-statistics normalisation, written with recorded ops (so they can be
/// differentiated again). `g` and `x` have one shape; `weight` broadcasts against it.
/// - Returns: dx in x's shape, dweight and dbias summed to `paramShape`.
func normalizationBackwardComposite(_ g: Tensor, _ x: Tensor, weight: Tensor?, axes: [Int], eps: Float,
                                    paramShape: [Int]) -> (dx: Tensor, dweight: Tensor, dbias: Tensor) {
    let centered = x - x.mean(axes: axes, keepDims: true)
    let r = 1 / sqrt((centered * centered).mean(axes: axes, keepDims: true) + eps)
    let xhat = centered * r
    let gw = weight.map { g * $0 } ?? g
    let dx = r * (gw - gw.mean(axes: axes, keepDims: true) - xhat * (gw * xhat).mean(axes: axes, keepDims: true))
    return (dx, (g * xhat).sum(toShape: paramShape), g.sum(toShape: paramShape))
}

/// Checks an optional per-channel parameter and returns its values.
private func channelValues(_ t: Tensor?, _ name: String, channels c: Int, op: String) -> [Float]? {
    guard let t else { return nil }
    require(t.count == c, "\(op): \(name) has \(t.count) values (shape \(t.shape)), expected \(c) channels")
    return t.scalars
}

/// Inputs of a normalisation in the order their gradients are returned: x, weight?, bias?.
private func normInputs(_ x: Tensor, _ weight: Tensor?, _ bias: Tensor?) -> [Tensor] {
    [x] + [weight, bias].compactMap { $0 }
}

/// Gradients in `normInputs` order, nil for inputs that need none.
private func normGrads(_ x: Tensor, _ weight: Tensor?, _ bias: Tensor?,
                       dx: @autoclosure () -> Tensor?, dw: Tensor?, db: Tensor?) -> [Tensor?] {
    var out: [Tensor?] = [x.node == nil ? nil : dx()]
    if let weight { out.append(weight.node == nil ? nil : dw?.reshaped(weight.shape)) }
    if let bias { out.append(bias.node == nil ? nil : db?.reshaped(bias.shape)) }
    return out
}

// MARK: - groupNorm
// y = (x − μ)/√(σ² + ε)·w_c + b_c, μ and σ² (biased) over each sample's group of C/G channels and all
// positions.    ∂: see "normalization backward" above, with ⟨·⟩ over one (sample, group).
/// Group normalisation (PyTorch's `F.group_norm`): x `[N, C, ...]`, statistics per sample and group of
/// `C / groups` consecutive channels, then a per-channel affine.
///
/// - Parameters:
///   - x: `[N, C, *]` with C divisible by `groups`.
///   - weight: per-channel gain, C values (nil: 1).
///   - bias: per-channel offset, C values (nil: 0).
///   - eps: added to the variance.
public func groupNorm(_ x: Tensor, groups: Int, weight: Tensor? = nil, bias: Tensor? = nil, eps: Float = 1e-5) -> Tensor {
    groupNormFused(x, groups: groups, weight: weight, bias: bias, eps: eps, slope: nil)
}

/// `leakyRelu(groupNorm(x, ...), negativeSlope:)` in the same two passes (forward and backward) as the
/// group norm alone: the Block of RVD's U-Net and most conv blocks end this way.
///
/// - Parameter negativeSlope: the leaky-ReLU slope, ≥ 0.
public func groupNormLeakyRelu(_ x: Tensor, groups: Int, weight: Tensor? = nil, bias: Tensor? = nil,
                               eps: Float = 1e-5, negativeSlope: Float = 0.01) -> Tensor {
    require(negativeSlope >= 0, "groupNormLeakyRelu needs negativeSlope ≥ 0, got \(negativeSlope)")
    return groupNormFused(x, groups: groups, weight: weight, bias: bias, eps: eps, slope: negativeSlope)
}

private func groupNormFused(_ x: Tensor, groups: Int, weight: Tensor?, bias: Tensor?, eps: Float, slope: Float?) -> Tensor {
    require(x.rank >= 2, "groupNorm needs x of shape [N, C, ...], got \(x.shape)")
    let n = x.shape[0], c = x.shape[1]
    require(groups > 0 && c % groups == 0, "groupNorm: \(c) channels are not divisible into \(groups) groups")
    let cg = c / groups
    let w = channelValues(weight, "weight", channels: c, op: "groupNorm")
    let b = channelValues(bias, "bias", channels: c, op: "groupNorm")
    let setOfRow = (0..<(n * c)).map { r in (r / c) * groups + (r % c) / cg }
    let (y, record, _, _) = Kernels.normalize(x, channels: c, setOfRow: setOfRow, sets: n * groups,
                                             weight: w, bias: b, eps: eps, slope: slope)
    // The fused leaky ReLU's recorded backward needs the output's sign; keep it only then.
    let yValues = slope == nil ? nil : y.detached()
    return y.recorded(.groupNorm, normInputs(x, weight, bias)) { dy in
        if isRecordingGradients {
            // Leaky ReLU's derivative is piecewise constant: a constant mask from the forward output.
            let g = slope.map { s in dy * constantMap(yValues!) { $0 > 0 ? 1 : s } } ?? dy
            let view = [n, groups, cg, x.count / Swift.max(n * c, 1)]
            let (dx, dw, db) = normalizationBackwardComposite(
                g.reshaped(view), x.reshaped(view), weight: weight?.reshaped([1, groups, cg, 1]),
                axes: [2, 3], eps: eps, paramShape: [1, groups, cg, 1])
            return normGrads(x, weight, bias, dx: dx.reshaped(x.shape), dw: dw, db: db)
        }
        let (dx, dw, db) = Kernels.normalizeBackward(dy, x, record, needInput: x.node != nil)
        return normGrads(x, weight, bias, dx: dx, dw: Tensor(dw), db: Tensor(db))
    }
}

// MARK: - batchNorm
// Training: y = (x − μ_c)/√(σ²_c + ε)·w_c + b_c with μ, σ² (biased) over the batch and all positions of
// channel c; ∂ as "normalization backward" with ⟨·⟩ over (N, positions).
// Evaluation: y = (x − m_c)/√(v_c + ε)·w_c + b_c with the running statistics (constants):
//   ∂L/∂x = g·w_c/√(v_c + ε)    ∂L/∂w = Σ g·(x − m)/√(v + ε)    ∂L/∂b = Σ g
/// Batch normalisation over `[N, C, ...]` (BatchNorm1d/2d/3d), as PyTorch's `F.batch_norm`.
///
/// In training the batch statistics normalise (biased variance) and the running statistics are updated
/// as running = (1 − momentum)·running + momentum·batch, with the unbiased variance. In evaluation the
/// running statistics normalise and are returned unchanged.
///
/// - Parameters:
///   - runningMean, runningVariance: C values each (constants; no gradient flows into them).
///   - weight, bias: per-channel affine (nil: 1 and 0).
/// - Returns: the output and the new running statistics (constants of shape `[C]`).
public func batchNorm(_ x: Tensor, runningMean: Tensor, runningVariance: Tensor, weight: Tensor? = nil,
                      bias: Tensor? = nil, training: Bool, momentum: Float = 0.1, eps: Float = 1e-5)
    -> (output: Tensor, runningMean: Tensor, runningVariance: Tensor) {
    require(x.rank >= 2, "batchNorm needs x of shape [N, C, ...], got \(x.shape)")
    let n = x.shape[0], c = x.shape[1]
    let s = x.count / Swift.max(n * c, 1)
    let w = channelValues(weight, "weight", channels: c, op: "batchNorm")
    let b = channelValues(bias, "bias", channels: c, op: "batchNorm")
    let rm = channelValues(runningMean, "runningMean", channels: c, op: "batchNorm")!
    let rv = channelValues(runningVariance, "runningVariance", channels: c, op: "batchNorm")!
    let setOfRow = (0..<(n * c)).map { $0 % c }
    let view = [n, c, s], paramView = [1, c, 1]
    let inputs = normInputs(x, weight, bias)
    if !training {
        let stats = (mean: rm.map(Double.init), variance: rv.map(Double.init))
        let (y, _, _, _) = Kernels.normalize(x, channels: c, setOfRow: setOfRow, sets: c, weight: w, bias: b,
                                             eps: eps, slope: nil, statistics: stats)
        let rstd = Tensor(shape: paramView, scalars: rv.map { 1 / ($0 + eps).squareRoot() })
        let mean = Tensor(shape: paramView, scalars: rm)
        let out = y.recorded(.batchNorm, inputs) { dy in
            let g = dy.reshaped(view)
            let xhat = x.node == nil && weight?.node == nil ? nil : (x.reshaped(view) - mean) * rstd
            let dx = weight.map { g * (rstd * $0.reshaped(paramView)) } ?? g * rstd
            return normGrads(x, weight, bias, dx: dx.reshaped(x.shape),
                             dw: xhat.map { (g * $0).sum(toShape: paramView) }, db: g.sum(toShape: paramView))
        }
        return (out, runningMean.detached(), runningVariance.detached())
    }
    require(n * s > 1, "batchNorm in training needs more than one value per channel, got x \(x.shape)")
    let (y, record, mean, variance) = Kernels.normalize(x, channels: c, setOfRow: setOfRow, sets: c,
                                                        weight: w, bias: b, eps: eps, slope: nil)
    let m = Double(momentum), correction = Double(n * s) / Double(n * s - 1)
    let newMean = Tensor((0..<c).map { Float((1 - m) * Double(rm[$0]) + m * mean[$0]) })
    let newVar = Tensor((0..<c).map { Float((1 - m) * Double(rv[$0]) + m * variance[$0] * correction) })
    let out = y.recorded(.batchNorm, inputs) { dy in
        if isRecordingGradients {
            let (dx, dw, db) = normalizationBackwardComposite(
                dy.reshaped(view), x.reshaped(view), weight: weight?.reshaped(paramView),
                axes: [0, 2], eps: eps, paramShape: paramView)
            return normGrads(x, weight, bias, dx: dx.reshaped(x.shape), dw: dw, db: db)
        }
        let (dx, dw, db) = Kernels.normalizeBackward(dy, x, record, needInput: x.node != nil)
        return normGrads(x, weight, bias, dx: dx, dw: Tensor(dw), db: Tensor(db))
    }
    return (out, newMean.reshaped(runningMean.shape), newVar.reshaped(runningVariance.shape))
}

// MARK: - channelLayerNorm
// y = (x − μ)/√(σ² + ε)·w_c + b_c, μ and σ² (biased) over the C channels at each position of each sample.
// ∂: see "normalization backward" above, with ⟨·⟩ over the channels at one position.
/// LayerNorm over the channel axis at each position of `[N, C, ...]` (RVD's `LayerNorm`):
/// (x − mean_c)/√(var_c + ε)·g + b with the biased variance.
///
/// A fused primitive for the same reason as `groupNorm`: RVD's attention blocks normalise full-resolution
/// feature maps with it.
///
/// - Parameters:
///   - weight, bias: C values each, in any shape of C elements (RVD stores them as `[1, C, 1, 1]`);
///     nil means 1 and 0.
public func channelLayerNorm(_ x: Tensor, weight: Tensor? = nil, bias: Tensor? = nil, eps: Float = 1e-5) -> Tensor {
    require(x.rank >= 2, "channelLayerNorm needs x of shape [N, C, ...], got \(x.shape)")
    let n = x.shape[0], c = x.shape[1]
    let w = channelValues(weight, "weight", channels: c, op: "channelLayerNorm")
    let b = channelValues(bias, "bias", channels: c, op: "channelLayerNorm")
    let (y, mean, rstd) = Kernels.channelNormForward(x, weight: w, bias: b, eps: eps)
    return y.recorded(.channelLayerNorm, normInputs(x, weight, bias)) { dy in
        if isRecordingGradients {
            let view = [n, c, x.count / Swift.max(n * c, 1)], paramView = [1, c, 1]
            let (dx, dw, db) = normalizationBackwardComposite(
                dy.reshaped(view), x.reshaped(view), weight: weight?.reshaped(paramView),
                axes: [1], eps: eps, paramShape: paramView)
            return normGrads(x, weight, bias, dx: dx.reshaped(x.shape), dw: dw, db: db)
        }
        let (dx, dw, db) = Kernels.channelNormBackward(dy, x, mean: mean, rstd: rstd, weight: w,
                                                       needInput: x.node != nil)
        return normGrads(x, weight, bias, dx: dx, dw: Tensor(dw), db: Tensor(db))
    }
}
