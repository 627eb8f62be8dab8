// Spectral normalisation of a layer's weight (Miyato et al. 2018), as torch.nn.utils.spectral_norm and
// DVD-GAN's wrapper: the weight is divided by an estimate of its largest singular value, refined by
// power iteration on every training forward.

/// Wraps a layer so that it runs with W / σ(W), σ estimated as uᵀ·W̄·v with W̄ the weight viewed as a
/// matrix [outputs, rest] (outputs = the layer's `outputAxis`).
///
/// On a training forward, `powerIterations` steps v ← normalize(W̄ᵀu), u ← normalize(W̄v) run first
/// (without gradient; u and v are buffers), as PyTorch's `spectral_norm`; evaluation reuses the stored
/// u and v. The gradient flows through W in both W̄ and σ, u and v being constants.
///
/// Names as PyTorch's: the wrapped layer's parameters with `weight` renamed `weight_orig` (or
/// `weightKey`), plus buffers `weight_u` [outputs] and `weight_v` [rest].
import ZooTensor

public final class SpectralNorm<Layer: WeightedLayer>: Module {
    public let layer: Layer
    public let u: Buffer
    public let v: Buffer
    public let powerIterations: Int
    public let eps: Float
    public let weightKey: String

    /// u and v start as normalised N(0, 1) draws (u first), as PyTorch's.
    public init(_ layer: Layer, powerIterations: Int = 1, eps: Float = 1e-12, weightKey: String = "weight_orig",
                rng: inout RandomGenerator) {
        require(powerIterations >= 0, "SpectralNorm needs powerIterations ≥ 0")
        self.layer = layer
        self.powerIterations = powerIterations
        self.eps = eps
        self.weightKey = weightKey
        let (h, w) = Self.matrixShape(layer.weight.shape)
        u = Buffer(Self.normalized(Init.normal([h], rng: &rng), eps: eps))
        v = Buffer(Self.normalized(Init.normal([w], rng: &rng), eps: eps))
    }

    public func children() -> [(String, ModuleChild)] {
        var out: [(String, ModuleChild)] = layer.children().map { key, child in
            if case .parameter(let p) = child, p === layer.weight { return (weightKey, child) }
            return (key, child)
        }
        out.append(("weight_u", .buffer(u)))
        out.append(("weight_v", .buffer(v)))
        return out
    }

    /// The current σ estimate uᵀW̄v (a constant).
    public var sigma: Float {
        noGrad {
            let w = weightMatrix(layer.weight.value.detached())
            return (matmul(w, v.value.reshaped([-1, 1])).reshaped([-1]) * u.value).sum().item
        }
    }

    /// W/σ(W), running the power iteration first when `training` (this updates u and v).
    public func normalizedWeight(training: Bool) -> Tensor {
        let weight = layer.weight.value
        if training && powerIterations > 0 {
            noGrad {
                let w = weightMatrix(weight.detached())
                var uu = u.value, vv = v.value
                for _ in 0..<powerIterations {
                    vv = Self.normalized(matmul(w, uu.reshaped([-1, 1]), transposeA: true).reshaped([-1]), eps: eps)
                    uu = Self.normalized(matmul(w, vv.reshaped([-1, 1])).reshaped([-1]), eps: eps)
                }
                u.value = uu
                v.value = vv
            }
        }
        let wv = matmul(weightMatrix(weight), v.value.reshaped([-1, 1])).reshaped([-1])
        let sigma = (u.value * wv).sum()
        return weight / sigma
    }

    /// The wrapped layer's forward with the normalised weight.
    public func callAsFunction(_ x: Tensor, training: Bool) -> Tensor {
        layer(x, weight: normalizedWeight(training: training))
    }

    private func weightMatrix(_ w: Tensor) -> Tensor {
        let axis = Layer.outputAxis
        if axis == 0 { return w.reshaped([w.shape[0], -1]) }
        var order = Array(0..<w.rank)
        order.remove(at: axis)
        order.insert(axis, at: 0)
        return w.permuted(order).reshaped([w.shape[axis], -1])
    }

    private static func matrixShape(_ shape: [Int]) -> (Int, Int) {
        let rows = shape[Layer.outputAxis]
        return (rows, shape.reduce(1, *) / rows)
    }

    /// x / max(‖x‖₂, eps) (PyTorch's F.normalize).
    private static func normalized(_ x: Tensor, eps: Float) -> Tensor {
        let s = x.scalars
        var sum = 0.0
        for e in s { sum += Double(e) * Double(e) }
        let norm = Swift.max(Float(sum.squareRoot()), eps)
        return Tensor(shape: x.shape, scalars: s.map { $0 / norm })
    }
}
