// Animated PNG (APNG) output: frames encoded by libpng, re-chunked into one animated file.
//
// An APNG is a PNG whose first frame is the ordinary image (viewers without APNG support show it)
// followed by the other frames in `fdAT` chunks:
//     signature, IHDR, acTL(frames, plays), [fcTL, IDAT…] for frame 0, [fcTL, fdAT…] per later frame, IEND
// `fcTL` and `fdAT` share one sequence counter. See the APNG specification (wiki.mozilla.org/APNG_Specification).

import Foundation
import ZooTensor
import ZooNN
import ZooData
import ZooMetrics

/// Writes an animated PNG.
public enum AnimatedPNG {
    /// Encodes `frames` (all the same size and channels) as an APNG that loops forever.
    /// - Parameter delay: seconds per frame (stored as a fraction with denominator 100).
    public static func encode(_ frames: [PNGImage], delay: Double = 0.2) throws -> Data {
        guard let first = frames.first else { throw PNGError(file: "<apng>", message: "no frames") }
        for f in frames where f.width != first.width || f.height != first.height || f.channels != first.channels {
            throw PNGError(file: "<apng>", message: "frames differ in size or channels")
        }
        var out = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        var sequence: UInt32 = 0
        let delayNumerator = UInt16(Swift.max(1, Swift.min(65_535, (delay * 100).rounded())))
        for (index, frame) in frames.enumerated() {
            let chunks = try parseChunks(try frame.encoded())
            if index == 0 {
                // IHDR and the ancillary chunks before the image data, then the animation control.
                for chunk in chunks where chunk.type != "IDAT" && chunk.type != "IEND" {
                    append(chunk.type, chunk.data, to: &out)
                    if chunk.type == "IHDR" {
                        append("acTL", bigEndian(UInt32(frames.count)) + bigEndian(UInt32(0)), to: &out)
                    }
                }
            }
            var control = bigEndian(sequence) + bigEndian(UInt32(frame.width)) + bigEndian(UInt32(frame.height))
            control += bigEndian(UInt32(0)) + bigEndian(UInt32(0))
            control += bigEndian16(delayNumerator) + bigEndian16(100) + Data([0, 0])   // dispose none, blend source
            append("fcTL", control, to: &out)
            sequence += 1
            for chunk in chunks where chunk.type == "IDAT" {
                if index == 0 {
                    append("IDAT", chunk.data, to: &out)
                } else {
                    append("fdAT", bigEndian(sequence) + chunk.data, to: &out)
                    sequence += 1
                }
            }
        }
        append("IEND", Data(), to: &out)
        return out
    }

    /// Writes `frames` as an APNG file.
    public static func write(_ frames: [PNGImage], to path: String, delay: Double = 0.2) throws {
        let data = try encode(frames, delay: delay)
        do { try data.write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw PNGError(file: path, message: "cannot write the animated PNG (\(error.localizedDescription))")
        }
    }

    /// The number of frames an APNG declares in its acTL chunk (nil for a still PNG).
    public static func frameCount(_ data: Data) throws -> Int? {
        guard let control = try parseChunks(data).first(where: { $0.type == "acTL" }) else { return nil }
        let bytes = [UInt8](control.data)
        return Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
    }

    /// The chunks of a PNG stream, checking the signature and every CRC.
    package static func parseChunks(_ data: Data) throws -> [(type: String, data: Data)] {
        let bytes = [UInt8](data)
        guard bytes.count >= 8, bytes[0] == 0x89, bytes[1] == 0x50 else {
            throw PNGError(file: "<apng>", message: "not a PNG stream")
        }
        var chunks: [(String, Data)] = []
        var i = 8
        while i + 12 <= bytes.count {
            let length = Int(bytes[i]) << 24 | Int(bytes[i + 1]) << 16 | Int(bytes[i + 2]) << 8 | Int(bytes[i + 3])
            guard i + 12 + length <= bytes.count else { throw PNGError(file: "<apng>", message: "truncated chunk") }
            let type = String(decoding: bytes[(i + 4)..<(i + 8)], as: UTF8.self)
            let body = Data(bytes[(i + 8)..<(i + 8 + length)])
            let stored = UInt32(bytes[i + 8 + length]) << 24 | UInt32(bytes[i + 9 + length]) << 16
                | UInt32(bytes[i + 10 + length]) << 8 | UInt32(bytes[i + 11 + length])
            guard stored == crc32(Data(type.utf8) + body) else {
                throw PNGError(file: "<apng>", message: "bad CRC in chunk \(type)")
            }
            chunks.append((type, body))
            i += 12 + length
        }
        return chunks
    }

    private static func append(_ type: String, _ body: Data, to out: inout Data) {
        let typed = Data(type.utf8) + body
        out += bigEndian(UInt32(body.count)) + typed + bigEndian(crc32(typed))
    }

    private static func bigEndian(_ v: UInt32) -> Data {
        Data([UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)])
    }

    private static func bigEndian16(_ v: UInt16) -> Data { Data([UInt8(v >> 8), UInt8(v & 0xFF)]) }

    /// CRC-32 (ISO 3309, as PNG uses it).
    package static func crc32(_ data: Data) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data { crc = crcTable[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }

    private static let crcTable: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }
}
