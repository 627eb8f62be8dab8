// Uint8 video sequences as the batcher reads them: an in-memory set, and the protocol a store conforms to.

/// A readable collection of uint8 video sequences, each stored [T, H, W, C] (channels last), all with the
/// same frame size and channel count. The in-memory `VideoSequenceSet` and the prepared clip store both
/// conform, so the batcher works from either.
import ZooTensor

public protocol VideoSequenceSource {
    /// Number of sequences.
    var sequenceCount: Int { get }
    /// Frame height in pixels.
    var height: Int { get }
    /// Frame width in pixels.
    var width: Int { get }
    /// Channels per pixel (1 gray, 3 RGB).
    var channels: Int { get }
    /// Frames in sequence `index`.
    func frameCount(ofSequence index: Int) -> Int
    /// Copies frames `start..<start+count` of sequence `index` ([count, H, W, C] uint8) to `destination`.
    func copyFrames(sequence index: Int, start: Int, count: Int,
                    into destination: UnsafeMutablePointer<UInt8>) throws
}

/// Video sequences held in memory (what the embedded generators return).
public struct VideoSequenceSet: VideoSequenceSource, Sendable, Equatable {
    public let height: Int
    public let width: Int
    public let channels: Int
    /// The sequences, each [T, H, W, C] uint8 row-major.
    public private(set) var sequences: [[UInt8]]

    /// Wraps sequences whose byte counts are whole numbers of frames.
    public init(height: Int, width: Int, channels: Int, sequences: [[UInt8]]) {
        let frameBytes = height * width * channels
        require(frameBytes > 0, "frames must be non-empty, got \(height)x\(width)x\(channels)")
        for (i, s) in sequences.enumerated() {
            require(s.count % frameBytes == 0 && !s.isEmpty,
                         "sequence \(i) has \(s.count) bytes, not a whole number of "
                            + "\(height)x\(width)x\(channels) frames")
        }
        self.height = height
        self.width = width
        self.channels = channels
        self.sequences = sequences
    }

    /// Bytes per frame (H · W · C).
    public var frameBytes: Int { height * width * channels }
    public var sequenceCount: Int { sequences.count }
    /// Total frames over all sequences.
    public var totalFrameCount: Int { sequences.reduce(0) { $0 + $1.count } / frameBytes }

    public func frameCount(ofSequence index: Int) -> Int { sequences[index].count / frameBytes }

    public func copyFrames(sequence index: Int, start: Int, count: Int,
                           into destination: UnsafeMutablePointer<UInt8>) throws {
        let frames = frameCount(ofSequence: index)
        require(start >= 0 && count >= 0 && start + count <= frames,
                     "frames \(start)..<\(start + count) out of range for sequence \(index) with \(frames) frames")
        sequences[index].withUnsafeBufferPointer { buffer in
            destination.update(from: buffer.baseAddress! + start * frameBytes, count: count * frameBytes)
        }
    }

    /// Appends the sequences of `other` (same frame size and channels).
    public mutating func append(contentsOf other: VideoSequenceSet) {
        require(other.height == height && other.width == width && other.channels == channels,
                     "cannot join \(other.height)x\(other.width)x\(other.channels) sequences to "
                        + "\(height)x\(width)x\(channels)")
        sequences.append(contentsOf: other.sequences)
    }
}
