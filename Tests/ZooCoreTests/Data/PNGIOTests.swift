// PNG reading and writing: bit-exact round trips, 16-bit conversion, and clear errors for damaged files.

import Foundation
import Testing
@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

/// A fresh folder under the system temporary directory, removed on deinit.
final class IOTestFolder {
    let path: String

    init(_ label: String = "zoo-test") {
        path = NSTemporaryDirectory() + "\(label)-\(getpid())-\(UUID().uuidString.prefix(8))"
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// `path/name`, creating intermediate folders of `name`.
    func file(_ name: String) -> String {
        let full = path + "/" + name
        try? FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                 withIntermediateDirectories: true)
        return full
    }
}

/// Deterministic pseudo-random bytes.
func ioTestBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var rng = RandomGenerator(seed: seed)
    return (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
}

/// A PNG assembled byte by byte (stored deflate blocks), for formats our writer does not produce.
func handmadePNG(width: Int, height: Int, colorType: UInt8, bitDepth: UInt8, rows: [UInt8]) -> Data {
    func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }
    func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 255), UInt8(v >> 8 & 255), UInt8(v & 255)] }
    func chunk(_ type: String, _ body: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + body
        return be32(UInt32(body.count)) + typed + be32(crc32(typed))
    }
    let bytesPerRow = rows.count / height
    var raw: [UInt8] = []
    for y in 0..<height { raw += [0] + rows[(y * bytesPerRow)..<((y + 1) * bytesPerRow)] }
    var a: UInt32 = 1, b: UInt32 = 0
    for byte in raw { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
    let length = UInt16(raw.count)  // one stored block: the test images are small
    let zlib: [UInt8] = [0x78, 0x01, 1, UInt8(length & 255), UInt8(length >> 8), UInt8(~length & 255),
                         UInt8(~length >> 8)] + raw + be32(b << 16 | a)
    let header = be32(UInt32(width)) + be32(UInt32(height)) + [bitDepth, colorType, 0, 0, 0]
    let png: [UInt8] = [137, 80, 78, 71, 13, 10, 26, 10] + chunk("IHDR", header) + chunk("IDAT", zlib) + chunk("IEND", [])
    return Data(png)
}

@Suite struct PNGIOTests {
    @Test(arguments: [1, 2, 3, 4])
    func writeThenReadIsBitExact(channels: Int) throws {
        let folder = IOTestFolder()
        let image = PNGImage(width: 13, height: 7, channels: channels,
                             pixels: ioTestBytes(13 * 7 * channels, seed: UInt64(channels)))
        let path = folder.file("image.png")
        try image.write(to: path)
        let back = try PNGImage.read(path: path)
        #expect(back == image)
        #expect(back.convertedFrom16Bit == false)
        #expect(try PNGImage.header(path: path) == (13, 7, channels))
        #expect(try PNGImage.decode(try image.encoded()) == image)
    }

    @Test func extremesAndTransparentPixelsSurvive() throws {
        let folder = IOTestFolder()
        // Fully transparent pixels keep their colour: the simplified API must not premultiply.
        let pixels: [UInt8] = [0, 0, 0, 0, 255, 255, 255, 0, 12, 200, 7, 0, 255, 0, 128, 255]
        let image = PNGImage(width: 2, height: 2, channels: 4, pixels: pixels)
        try image.write(to: folder.file("a.png"))
        #expect(try PNGImage.read(path: folder.file("a.png")).pixels == pixels)
    }

    @Test func sixteenBitIsScaledToEightBits() throws {
        let folder = IOTestFolder()
        let values: [UInt16] = [0, 25700, 65535, 1000, 32896, 257]
        let rows = values.flatMap { [UInt8($0 >> 8), UInt8($0 & 255)] }
        let path = folder.file("deep.png")
        try handmadePNG(width: 3, height: 2, colorType: 0, bitDepth: 16, rows: rows).write(to: URL(fileURLWithPath: path))
        let image = try PNGImage.read(path: path)
        #expect(image.convertedFrom16Bit)
        #expect(image.channels == 1)
        #expect(image.pixels == [0, 100, 255, 4, 128, 1])
    }

    @Test func handmadeEightBitMatchesOurReader() throws {
        // Cross-check the reader against a PNG not written by libpng.
        let folder = IOTestFolder()
        let rows = ioTestBytes(5 * 4 * 3, seed: 9)
        let path = folder.file("hand.png")
        try handmadePNG(width: 5, height: 4, colorType: 2, bitDepth: 8, rows: rows).write(to: URL(fileURLWithPath: path))
        #expect(try PNGImage.read(path: path) == PNGImage(width: 5, height: 4, channels: 3, pixels: rows))
    }

    @Test func damagedFilesGiveErrorsNamingTheFile() throws {
        let folder = IOTestFolder()
        let good = try PNGImage(width: 32, height: 32, channels: 3, pixels: ioTestBytes(32 * 32 * 3, seed: 4)).encoded()

        let truncated = folder.file("truncated.png")
        try good.prefix(good.count / 2).write(to: URL(fileURLWithPath: truncated))
        let truncatedError = #expect(throws: PNGError.self) { try PNGImage.read(path: truncated) }
        #expect(truncatedError?.file == truncated)
        #expect(truncatedError?.message.contains("truncated") == true)

        var bytes = [UInt8](good)
        for i in 60..<80 { bytes[i] ^= 0x5A }  // inside the IDAT chunk: CRC and zlib errors
        let corrupt = folder.file("corrupt.png")
        try Data(bytes).write(to: URL(fileURLWithPath: corrupt))
        let corruptError = #expect(throws: PNGError.self) { try PNGImage.read(path: corrupt) }
        #expect(corruptError?.description.hasPrefix(corrupt + ": ") == true)

        let text = folder.file("notes.png")
        try Data("hello".utf8).write(to: URL(fileURLWithPath: text))
        let textError = #expect(throws: PNGError.self) { try PNGImage.read(path: text) }
        #expect(textError?.message.contains("not a PNG") == true)

        let missing = folder.file("missing.png")
        let missingError = #expect(throws: PNGError.self) { try PNGImage.read(path: missing) }
        #expect(missingError?.message == "no such file")

        let nowhere = folder.path + "/no/such/folder/x.png"
        let writeError = #expect(throws: PNGError.self) {
            try PNGImage(width: 1, height: 1, channels: 1, pixels: [0]).write(to: nowhere)
        }
        #expect(writeError?.file == nowhere)
    }
}
