// The PNG reader (frame folders, `zoo data import`): header and full decode of a file on disk.
import Foundation
import FuzzSupport
import ZooCore

/// Makes the scratch folder before the first input, so that libFuzzer's leak check does not count it.
@_cdecl("LLVMFuzzerInitialize")
public func initializePNG(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    _ = scratchFolder
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPNG(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let path = writeScratch(data, size, name: "input.png")
    var header: (width: Int, height: Int, channels: Int)?
    do { header = try PNGImage.header(path: path) } catch { requireNamed(error, file: path, surface: "PNGImage.header") }
    do {
        let image = try PNGImage.read(path: path)
        precondition(image.width > 0 && image.height > 0 && [1, 2, 3, 4].contains(image.channels),
                     "decoded a \(image.width)x\(image.height)x\(image.channels) image")
        precondition(image.pixels.count == image.width * image.height * image.channels,
                     "pixel count \(image.pixels.count) for \(image.width)x\(image.height)x\(image.channels)")
        if let header {
            precondition(header.width == image.width && header.height == image.height,
                         "header \(header) disagrees with the decoded \(image.width)x\(image.height)")
        }
    } catch {
        requireNamed(error, file: path, surface: "PNGImage.read")
    }
    return 0
}
