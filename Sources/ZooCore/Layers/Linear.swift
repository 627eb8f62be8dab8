// The fully connected layer.

/// y = x·Wᵀ + b over the last axis (PyTorch's `nn.Linear`; weight [out, in], names `weight`, `bias`).
public final class Linear: Module {
    /// [outFeatures, inFeatures].
    public let weight: Parameter
    /// [outFeatures], or nil without bias.
    public let bias: Parameter?

    /// PyTorch default initialisation: W, b ~ U(±1/√inFeatures).
    public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, rng: inout RandomGenerator) {
        weight = Parameter(Init.defaultWeight([outFeatures, inFeatures], rng: &rng))
        self.bias = bias ? Parameter(Init.defaultBias(outFeatures, fanIn: inFeatures, rng: &rng)) : nil
    }

    /// Wraps given values (weight [out, in], bias [out]).
    public init(weight: Tensor, bias: Tensor?) {
        precondition(weight.rank == 2, "Linear weight must be [out, in], got \(weight.shape)")
        precondition(bias == nil || bias!.shape == [weight.shape[0]], "Linear bias must be [\(weight.shape[0])]")
        self.weight = Parameter(weight)
        self.bias = bias.map(Parameter.init)
    }

    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }

    /// `x`: [..., inFeatures] → [..., outFeatures].
    public func callAsFunction(_ x: Tensor) -> Tensor {
        precondition(x.rank >= 1 && x.shape[x.rank - 1] == inFeatures,
                     "Linear(\(inFeatures)→\(outFeatures)) got input \(x.shape)")
        let flat = x.rank == 2 ? x : x.reshaped([-1, inFeatures])
        var y = matmul(flat, weight.value, transposeB: true)
        if let bias { y = y + bias.value }
        return x.rank == 2 ? y : y.reshaped(Array(x.shape.dropLast()) + [outFeatures])
    }
}
