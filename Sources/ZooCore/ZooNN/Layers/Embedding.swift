// Step (position) embeddings.

import Foundation
import ZooTensor

/// The sinusoidal step embedding of RVD's `SinusoidalPosEmb` (lucidrains' denoising-diffusion):
/// half = dim/2, freqₖ = exp(−k·ln(10000)/(half−1)) for k = 0..<half, and
/// emb(t) = [sin(t·freq₀…), cos(t·freq₀…)] with the sine block first. No parameters.
public final class SinusoidalEmbedding: Module {
    /// Output width (even, ≥ 4).
    public let dimension: Int
    /// The half-width frequency table [dim/2] (a constant, not a parameter).
    public let frequencies: Tensor

    public init(dimension: Int) {
        require(dimension % 2 == 0 && dimension >= 4, "SinusoidalEmbedding needs an even dimension ≥ 4, got \(dimension)")
        self.dimension = dimension
        let half = dimension / 2
        // As PyTorch: the scale is a double, rounded to Float32 before multiplying the Float32 arange.
        let scale = Float(-Foundation.log(10000.0) / Double(half - 1))
        frequencies = Tensor((0..<half).map { Foundation.exp(Float($0) * scale) })
    }

    /// `t`: [B] step values (e.g. integer diffusion steps as Floats) → [B, dimension].
    public func callAsFunction(_ t: Tensor) -> Tensor {
        require(t.rank == 1, "SinusoidalEmbedding expects steps of shape [B], got \(t.shape)")
        let args = t.reshaped([-1, 1]) * frequencies.reshaped([1, -1])
        return concat([sin(args), cos(args)], axis: 1)
    }
}
