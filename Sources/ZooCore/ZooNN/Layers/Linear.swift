// The fully connected layer.

/// y = x·Wᵀ + b over the last axis (PyTorch's `nn.Linear`; weight [out, in], names `weight`, `bias`).
import ZooTensor

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
        require(weight.rank == 2, "Linear weight must be [out, in], got \(weight.shape)")
        require(bias == nil || bias!.shape == [weight.shape[0]], "Linear bias must be [\(weight.shape[0])]")
        self.weight = Parameter(weight)
        self.bias = bias.map(Parameter.init)
    }

    public var inFeatures: Int { weight.shape[1] }
    public var outFeatures: Int { weight.shape[0] }

    /// `x`: [..., inFeatures] → [..., outFeatures].
    public func callAsFunction(_ x: Tensor) -> Tensor { callAsFunction(x, weight: weight.value) }
}
