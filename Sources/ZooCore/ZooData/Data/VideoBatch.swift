// A batch of video clips as models consume them.

/// A batch of clips in the zoo's video layout.
import ZooTensor

public struct VideoBatch: @unchecked Sendable {
    /// The clips, [B, T, C, H, W] Float32 in [-1, 1] (uint8 value v becomes v / 127.5 − 1).
    public var frames: Tensor
    /// For each clip, the sequence it was cut from (index into the batcher's source).
    public var sequenceIndices: [Int]
    /// For each clip, the first frame of its window in that sequence.
    public var startFrames: [Int]

    /// Wraps clips; `sequenceIndices` and `startFrames` say where each came from (empty when unknown).
    public init(frames: Tensor, sequenceIndices: [Int] = [], startFrames: [Int] = []) {
        require(frames.rank == 5, "VideoBatch frames must be [B, T, C, H, W], got \(frames.shape)")
        require(sequenceIndices.isEmpty || sequenceIndices.count == frames.shape[0],
                     "\(sequenceIndices.count) sequence indices for a batch of \(frames.shape[0])")
        require(startFrames.count == sequenceIndices.count, "startFrames and sequenceIndices differ in count")
        self.frames = frames
        self.sequenceIndices = sequenceIndices
        self.startFrames = startFrames
    }

    /// Clips in the batch (B).
    public var batchSize: Int { frames.shape[VideoAxis.batch] }
    /// Frames per clip (T).
    public var frameCount: Int { frames.shape[VideoAxis.time] }
    /// Channels (C).
    public var channels: Int { frames.shape[VideoAxis.channels] }
    /// Frame height (H).
    public var height: Int { frames.shape[VideoAxis.height] }
    /// Frame width (W).
    public var width: Int { frames.shape[VideoAxis.width] }

    /// Frames `range` of every clip, [B, range.count, C, H, W] (e.g. the context and the future).
    public func frames(_ range: Range<Int>) -> Tensor { frames.sliced(axis: VideoAxis.time, range) }

    /// The clips as uint8 [B, T, H, W, C] (the inverse of the batcher's scaling, rounded and clamped).
    public func bytes() -> [UInt8] {
        let b = batchSize, t = frameCount, c = channels, h = height, w = width
        let p = frames.storage.pointer
        var out = [UInt8](repeating: 0, count: frames.count)
        for clip in 0..<(b * t) {
            for channel in 0..<c {
                let plane = p + (clip * c + channel) * h * w
                for pixel in 0..<(h * w) {
                    let v = ((plane[pixel] + 1) * 127.5).rounded()
                    out[(clip * h * w + pixel) * c + channel] = UInt8(max(0, min(255, v)))
                }
            }
        }
        return out
    }
}
