// Gradcheck rows for the normalisation primitives (groupNorm, batchNorm) and the functional composites:
// layer norms, softmax, dropout, losses, pixel norm, minibatch stddev, linear attention.

@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

private func gi(_ shape: [Int], _ low: Float = -1, _ high: Float = 1) -> GradInput {
    GradInput(shape: shape, low: low, high: high)
}

/// groupNorm on x [N, C, ...] with optional affine inputs (weight and bias in (0.5, 1.5) and (−1, 1)).
private func groupNormCase(_ shape: [Int], groups: Int, affine: Bool, slope: Float? = nil) -> GradcheckCase {
    let c = shape[1]
    let name = "groupNorm\(slope == nil ? "" : "+leakyRelu") \(shape) groups \(groups)\(affine ? " affine" : "")"
    return GradcheckCase(name: name, op: .groupNorm,
                         inputs: [gi(shape, -2, 2)] + (affine ? [gi([c], 0.5, 1.5), gi([c])] : [])) { x in
        let w = affine ? x[1] : nil, b = affine ? x[2] : nil
        if let slope { return groupNormLeakyRelu(x[0], groups: groups, weight: w, bias: b, negativeSlope: slope) }
        return groupNorm(x[0], groups: groups, weight: w, bias: b)
    }
}

/// batchNorm on x [N, C, ...]; running statistics are fixed constants.
private func batchNormCase(_ shape: [Int], training: Bool, affine: Bool) -> GradcheckCase {
    let c = shape[1]
    return GradcheckCase(name: "batchNorm \(training ? "train" : "eval") \(shape)\(affine ? " affine" : "")",
                         op: .batchNorm,
                         inputs: [gi(shape, -2, 2)] + (affine ? [gi([c], 0.5, 1.5), gi([c])] : [])) { x in
        let mean = Tensor((0..<c).map { Float($0) * 0.3 - 0.2 })
        let variance = Tensor((0..<c).map { Float($0) * 0.4 + 0.6 })
        return batchNorm(x[0], runningMean: mean, runningVariance: variance, weight: affine ? x[1] : nil,
                         bias: affine ? x[2] : nil, training: training, momentum: 0.1).output
    }
}

private func composite(_ name: String, _ inputs: [GradInput], _ f: @escaping @Sendable ([Tensor]) -> Tensor) -> GradcheckCase {
    GradcheckCase(name: name, op: nil, inputs: inputs, f: f)
}

let functionalCases: [GradcheckCase] = [
    groupNormCase([2, 4, 2, 3], groups: 2, affine: true),
    groupNormCase([2, 4, 2, 3], groups: 1, affine: false),
    groupNormCase([2, 4, 3], groups: 4, affine: true),
    groupNormCase([1, 4, 2, 2, 3], groups: 2, affine: true),
    groupNormCase([2, 6, 2, 2], groups: 3, affine: false),
    // No spatial axes. Three values per group: with two, each normalised value is ±d/√(d² + eps) ≈ ±1, whose
    // gradient is nearly zero and numerically unresolvable in float32 (it scored 2.6 at h = 1e-3, 0.04 at 1e-2).
    groupNormCase([3, 6], groups: 2, affine: true),
    groupNormCase([2, 4, 2, 3], groups: 2, affine: true, slope: 0.2),
    groupNormCase([1, 4, 2, 2, 2], groups: 2, affine: false, slope: 0.2),
    GradcheckCase(name: "groupNorm weight only", op: .groupNorm, inputs: [gi([2, 4, 3], -2, 2), gi([4], 0.5, 1.5)]) {
        groupNorm($0[0], groups: 2, weight: $0[1])
    },
    GradcheckCase(name: "groupNorm bias only", op: .groupNorm, inputs: [gi([2, 4, 3], -2, 2), gi([4])]) {
        groupNorm($0[0], groups: 2, bias: $0[1])
    },
    batchNormCase([3, 2, 2, 2], training: true, affine: true),
    batchNormCase([4, 3], training: true, affine: false),
    GradcheckCase(name: "batchNorm train bias only", op: .batchNorm, inputs: [gi([3, 2, 2], -2, 2), gi([2])]) {
        batchNorm($0[0], runningMean: .zeros([2]), runningVariance: .ones([2]), bias: $0[1], training: true).output
    },
    batchNormCase([2, 2, 2, 2, 2], training: true, affine: true),
    batchNormCase([2, 3, 2, 2], training: false, affine: true),
    batchNormCase([2, 3, 4], training: false, affine: false),
    GradcheckCase(name: "channelLayerNorm affine", op: .channelLayerNorm,
                  inputs: [gi([2, 3, 2, 2], -2, 2), gi([1, 3, 1, 1], 0.5, 1.5), gi([1, 3, 1, 1])]) {
        channelLayerNorm($0[0], weight: $0[1], bias: $0[2])
    },
    GradcheckCase(name: "channelLayerNorm 5-D", op: .channelLayerNorm, inputs: [gi([1, 3, 2, 2, 2], -2, 2)]) {
        channelLayerNorm($0[0])
    },
    GradcheckCase(name: "channelLayerNorm 2-D weight only", op: .channelLayerNorm,
                  inputs: [gi([3, 4], -2, 2), gi([4], 0.5, 1.5)]) { channelLayerNorm($0[0], weight: $0[1]) },
    composite("layerNorm last axis affine", [gi([2, 3, 4], -2, 2), gi([4], 0.5, 1.5), gi([4])]) {
        layerNorm($0[0], normalizedShape: [4], weight: $0[1], bias: $0[2])
    },
    composite("layerNorm last two axes", [gi([2, 3, 4], -2, 2)]) { layerNorm($0[0], normalizedShape: [3, 4]) },
    composite("softmax axis 1", [gi([3, 4], -2, 2)]) { softmax($0[0], axis: 1) },
    composite("softmax axis 0", [gi([3, 4], -2, 2)]) { softmax($0[0], axis: 0) },
    composite("logSoftmax axis -1", [gi([2, 3, 4], -2, 2)]) { logSoftmax($0[0], axis: -1) },
    composite("dropout training", [gi([3, 4])]) { x in
        var rng = RandomGenerator(seed: 5)
        return dropout(x[0], probability: 0.3, training: true, rng: &rng)
    },
    composite("l1Loss", [gi([3, 4], 0.1, 1), gi([3, 4], -1, -0.1)]) { l1Loss($0[0], $0[1]) }.kinked,
    composite("l1Loss sum", [gi([3, 4], 0.1, 1), gi([3, 4], -1, -0.1)]) { l1Loss($0[1], $0[0], reduction: .sum) }.kinked,
    composite("mseLoss", [gi([3, 4]), gi([3, 4])]) { mseLoss($0[0], $0[1]) },
    composite("mseLoss sum", [gi([3, 4]), gi([3, 4])]) { mseLoss($0[0], $0[1], reduction: .sum) },
    composite("mseLoss none", [gi([3, 4]), gi([3, 4])]) { mseLoss($0[0], $0[1], reduction: .none) },
    composite("bce with logits", [gi([3, 4], -4, 4), gi([3, 4], 0, 1)]) {
        binaryCrossEntropyWithLogits(logits: $0[0], targets: $0[1])
    },
    composite("bce with logits none", [gi([3, 4], -4, 4), gi([3, 4], 0, 1)]) {
        binaryCrossEntropyWithLogits(logits: $0[0], targets: $0[1], reduction: .none)
    },
    composite("gaussianKL", [gi([2, 3]), gi([2, 3]), gi([2, 3]), gi([2, 3])]) {
        gaussianKL(mu1: $0[0], logvar1: $0[1], mu2: $0[2], logvar2: $0[3])
    },
    composite("hinge discriminator", [gi([6], -2, 2), gi([6], -2, 2)]) { hingeDiscriminatorLoss(real: $0[0], fake: $0[1]) }.kinked,
    composite("hinge generator", [gi([6], -2, 2)]) { hingeGeneratorLoss(fake: $0[0]) }.kinked,
    composite("pixelNorm", [gi([2, 3, 2, 2])]) { pixelNorm($0[0]) },
    composite("pixelNorm 5-D", [gi([1, 4, 2, 2, 2])]) { pixelNorm($0[0]) },
    composite("minibatchStddev", [gi([3, 2, 2, 2])]) { minibatchStddev($0[0]) },
    composite("minibatchStddev 5-D", [gi([2, 2, 2, 2, 2])]) { minibatchStddev($0[0]) },
    composite("linearAttention", [gi([1, 12, 2, 2])]) { linearAttention($0[0], heads: 2, dimHead: 2) },
]

/// Second-order rows: pixel norm (FutureGAN's gradient penalty differentiates through it), the fused
/// normalisations' recorded backward, and losses.
let functionalSecondOrderCases: [GradcheckCase] = [
    composite("pixelNorm (2nd order)", [gi([2, 3, 2, 2])]) { pixelNorm($0[0]) },
    composite("pixelNorm + leakyRelu (2nd order)", [gi([1, 4, 2, 3])]) {
        pixelNorm(leakyRelu($0[0], negativeSlope: 0.2))
    },
    groupNormCase([2, 4, 2, 3], groups: 2, affine: true),
    groupNormCase([1, 6, 3], groups: 3, affine: false),
    groupNormCase([1, 4, 2, 2, 2], groups: 2, affine: true, slope: 0.2).step(2e-3, tolerance: 1e-2),
    batchNormCase([3, 2, 2, 2], training: true, affine: true),
    batchNormCase([2, 3, 4], training: false, affine: true),
    GradcheckCase(name: "channelLayerNorm (2nd order)", op: .channelLayerNorm,
                  inputs: [gi([2, 3, 2, 2], -2, 2), gi([1, 3, 1, 1], 0.5, 1.5), gi([1, 3, 1, 1])]) {
        channelLayerNorm($0[0], weight: $0[1], bias: $0[2])
    },
    composite("layerNorm (2nd order)", [gi([2, 3, 4], -2, 2), gi([4], 0.5, 1.5), gi([4])]) {
        layerNorm($0[0], normalizedShape: [4], weight: $0[1], bias: $0[2])
    },
    composite("mseLoss (2nd order)", [gi([3, 4]), gi([3, 4])]) { mseLoss($0[0] * $0[0], $0[1]) },
    composite("bce with logits (2nd order)", [gi([3, 4], -4, 4), gi([3, 4], 0, 1)]) {
        binaryCrossEntropyWithLogits(logits: $0[0], targets: $0[1])
    },
    composite("minibatchStddev (2nd order)", [gi([3, 2, 2, 2])]) { minibatchStddev($0[0]) },
    composite("softmax (2nd order)", [gi([3, 4], -2, 2)]) { softmax($0[0], axis: 1) },
]
