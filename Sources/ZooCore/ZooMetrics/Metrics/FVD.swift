// Fréchet Video Distance (Unterthiner et al. 2018): the Fréchet distance between Gaussians fitted to the I3D
// logits of real and generated clips.
//
// The protocol (docs/architecture.md): every clip on the 0-255 scale, each frame resized to 224x224 bilinearly
// (half-pixel centres) and scaled to [-1, 1], through the Kinetics-400 I3D (I3D.swift); its 400 logits are the
// features; the distance is computed in float64 (FrechetDistance.swift). The zoo compares the first sample of
// each clip, context frames included, with the ground-truth clip; the clip count goes beside the number.

/// An FVD value with the counts behind it.
import ZooTensor
import ZooNN
import ZooData

public struct FVDResult: Sendable, Equatable, Codable {
    /// The Fréchet distance between the two feature sets.
    public var fvd: Double
    /// Number of real (ground-truth) clips.
    public var realClips: Int
    /// Number of generated clips.
    public var generatedClips: Int
    /// Frames per clip.
    public var frames: Int

    /// Creates a result.
    public init(fvd: Double, realClips: Int, generatedClips: Int, frames: Int) {
        self.fvd = fvd
        self.realClips = realClips
        self.generatedClips = generatedClips
        self.frames = frames
    }
}

/// I3D logits of clips on the 0-255 scale ([N, T, C, H, W], C = 1 or 3, T ≥ 9): [N, classes].
///
/// - Parameters:
///   - batchSize: clips per forward pass (memory grows with it: ~0.5 GB per 16-frame clip at the peak).
///   - progress: called with (clips done, total) after each batch.
public func i3dFeatures(_ clips: Tensor, network: I3DNetwork, batchSize: Int = 2,
                        progress: ((Int, Int) -> Void)? = nil) -> Tensor {
    require(clips.rank == 5, "i3dFeatures: clips must be [N, T, C, H, W], got \(clips.shape)")
    let n = clips.shape[0]
    var parts: [Tensor] = []
    var start = 0
    while start < n {
        let end = Swift.min(n, start + Swift.max(1, batchSize))
        parts.append(network.logits(i3dInput(clips.sliced(axis: 0, start..<end))))
        start = end
        progress?(start, n)
    }
    return concat(parts, axis: 0)
}

/// FVD between real and generated clips on the 0-255 scale ([N, T, C, H, W] each, N ≥ 2, same T, C, H, W).
/// - Throws: `LinearAlgebraError` if LAPACK fails.
public func fvd(real: Tensor, generated: Tensor, network: I3DNetwork, batchSize: Int = 2,
                progress: ((Int, Int) -> Void)? = nil) throws -> FVDResult {
    require(real.rank == 5 && generated.rank == 5 && Array(real.shape.dropFirst()) == Array(generated.shape.dropFirst()),
                 "fvd: real \(real.shape) and generated \(generated.shape) must be [N, T, C, H, W] with the same T, C, H, W")
    require(real.shape[0] >= 2 && generated.shape[0] >= 2, "fvd: each set needs at least 2 clips for a covariance")
    let total = real.shape[0] + generated.shape[0]
    let a = i3dFeatures(real, network: network, batchSize: batchSize) { done, _ in progress?(done, total) }
    let b = i3dFeatures(generated, network: network, batchSize: batchSize) { done, _ in
        progress?(real.shape[0] + done, total)
    }
    return FVDResult(fvd: try frechetDistance(features: a, b), realClips: real.shape[0],
                     generatedClips: generated.shape[0], frames: real.shape[1])
}
