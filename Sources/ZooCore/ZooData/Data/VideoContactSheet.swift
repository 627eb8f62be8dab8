// Contact sheets: a grid of frames (rows = sequences, columns = frames) as one image, for previews.

/// Lays out frames of several sequences as one image: row r shows sequence `sequences[r]`, column c its
/// frame `frames[c]`, separated by `gap` pixels of `background`, each frame magnified `scale` times
/// (nearest neighbour).
import ZooTensor

public enum VideoContactSheet {
    /// Builds the sheet.
    /// - Parameters:
    ///   - source: where the frames come from.
    ///   - sequences: which sequences, top to bottom.
    ///   - frames: which frame indices, left to right (each must exist in every listed sequence).
    ///   - gap: pixels between frames and around the border.
    ///   - scale: integer magnification.
    ///   - background: gray level of the gaps.
    /// - Throws: what the source throws when reading fails.
    public static func make(source: any VideoSequenceSource, sequences: [Int], frames: [Int], gap: Int = 2,
                            scale: Int = 1, background: UInt8 = 255) throws -> PNGImage {
        require(!sequences.isEmpty && !frames.isEmpty && gap >= 0 && scale >= 1,
                     "a contact sheet needs sequences, frames, gap ≥ 0 and scale ≥ 1")
        let c = source.channels, h = source.height * scale, w = source.width * scale
        let sheetWidth = frames.count * (w + gap) + gap
        let sheetHeight = sequences.count * (h + gap) + gap
        var pixels = [UInt8](repeating: background, count: sheetWidth * sheetHeight * c)
        let frameBytes = source.height * source.width * c
        var frame = [UInt8](repeating: 0, count: frameBytes)
        for (row, sequence) in sequences.enumerated() {
            for (column, index) in frames.enumerated() {
                try frame.withUnsafeMutableBufferPointer {
                    try source.copyFrames(sequence: sequence, start: index, count: 1, into: $0.baseAddress!)
                }
                let top = gap + row * (h + gap), left = gap + column * (w + gap)
                for y in 0..<h {
                    for x in 0..<w {
                        let from = ((y / scale) * source.width + x / scale) * c
                        let to = ((top + y) * sheetWidth + left + x) * c
                        for k in 0..<c { pixels[to + k] = frame[from + k] }
                    }
                }
            }
        }
        return PNGImage(width: sheetWidth, height: sheetHeight, channels: c, pixels: pixels)
    }
}
