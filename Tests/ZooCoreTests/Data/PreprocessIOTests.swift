// Preprocessing against Pillow 13.0 / torchvision semantics. Expected values were produced with:
//     img(w,h,c) = ((i*i*31 + i*53 + 7) % 251) for i in range(w*h*c), as uint8, reshaped (h, w[, c])
//     checksum(a) = sum(a[k] * (k+1)) mod 2**32 over the flattened uint8 result
//     Image.fromarray(img).resize((ow, oh), Image.BILINEAR); .convert('L');
//     short-side crop = resize to (size, int(size*h/w)) or (int(size*w/h), size), then the box at
//     (round((W-size)/2), round((H-size)/2)) with Python's round, as torchvision Resize+CenterCrop.

import Testing
@testable import ZooCore
@testable import ZooData
@testable import ZooMetrics
@testable import ZooNN
@testable import ZooRuntime
@testable import ZooTensor

/// Pillow-style test image: ((i*i*31 + i*53 + 7) % 251) as bytes.
func pillowTestImage(width: Int, height: Int, channels: Int) -> [UInt8] {
    (0..<(width * height * channels)).map { (i: Int) -> UInt8 in
        let square: Int = i * i * 31
        let value: Int = (square + i * 53 + 7) % 251
        return UInt8(value)
    }
}

/// sum(a[k] * (k+1)) mod 2^32, as the Python side computes it.
func pillowChecksum(_ values: [UInt8]) -> Int {
    var sum = 0
    for (k, v) in values.enumerated() { sum = (sum + Int(v) * (k + 1)) % (1 << 32) }
    return sum
}

@Suite struct PreprocessIOTests {
    @Test func lumaMatchesPillowL() {
        // Pillow: Image.fromarray(rgb(6,4)).convert('L') with rgb = (i*53+7) % 256.
        let rgb = (0..<72).map { UInt8(($0 * 53 + 7) % 256) }
        let expected: [UInt8] = [50, 180, 112, 92, 174, 77, 207, 139, 119, 172, 104, 84, 166, 69, 199, 131,
                                 111, 164, 96, 76, 158, 61, 191, 123]
        #expect(Preprocess.convertChannels(rgb, from: 3, to: 1) == expected)
        let image = pillowTestImage(width: 64, height: 48, channels: 3)
        #expect(pillowChecksum(Preprocess.convertChannels(image, from: 3, to: 1)) == 590_992_709)
        #expect(Preprocess.luma(255, 255, 255) == 255 && Preprocess.luma(0, 0, 0) == 0)
        for v in [0, 1, 127, 128, 254, 255] as [UInt8] { #expect(Preprocess.luma(v, v, v) == v) }
    }

    @Test func channelConversions() {
        #expect(Preprocess.convertChannels([9, 200], from: 2, to: 1) == [9])
        #expect(Preprocess.convertChannels([9, 200], from: 2, to: 3) == [9, 9, 9])
        #expect(Preprocess.convertChannels([1, 2, 3, 4], from: 4, to: 3) == [1, 2, 3])
        #expect(Preprocess.convertChannels([7], from: 1, to: 3) == [7, 7, 7])
    }

    @Test func smallResizesMatchPillowExactly() {
        let g = (0..<35).map { UInt8(($0 * 37 + 11) % 256) }
        #expect(Preprocess.resizeBilinear(g, width: 7, height: 5, channels: 1, toWidth: 3, height: 2)
                == [46, 125, 204, 52, 131, 210])
        #expect(Preprocess.resizeBilinear(g, width: 7, height: 5, channels: 1, toWidth: 7, height: 3)
                == [12, 49, 86, 123, 160, 197, 234, 17, 54, 91, 128, 165, 202, 239, 22, 59, 96, 133, 170, 207, 244])
        let up = Preprocess.resizeBilinear(g, width: 7, height: 5, channels: 1, toWidth: 11, height: 9)
        #expect(Array(up.prefix(11)) == [11, 28, 51, 75, 98, 122, 146, 169, 193, 216, 233])
        #expect(Array(up.suffix(11)) == [23, 40, 63, 87, 110, 134, 158, 181, 205, 228, 245])
        let c = (0..<72).map { UInt8(($0 * 53 + 7) % 256) }
        #expect(Preprocess.resizeBilinear(c, width: 6, height: 4, channels: 3, toWidth: 4, height: 3)
                == [94, 147, 85, 141, 131, 116, 165, 111, 121, 97, 102, 155, 122, 175, 148, 156, 138, 106,
                    144, 140, 108, 173, 98, 71, 105, 91, 144, 132, 125, 135, 103, 130, 115, 137, 161, 99])
        #expect(Preprocess.resizeBilinear(g, width: 7, height: 5, channels: 1, toWidth: 7, height: 5) == g)
    }

    @Test(arguments: [
        (64, 48, 3, 20, 15, 50_676_837), (160, 120, 1, 64, 64, 1_048_669_739),
        (97, 61, 3, 128, 100, 1_994_008_726),
        // Pillow 13 runs the vertical pass first when the height shrinks by > 2x the width's pixels:
        (33, 200, 1, 7, 31, 2_955_839), (40, 40, 3, 30, 19, 182_985_832), (40, 40, 3, 30, 20, 202_730_793),
        (16, 16, 1, 40, 8, 6_270_758), (21, 48, 3, 5, 4, 226_513),
    ])
    func largerResizesMatchPillowChecksums(_ c: (Int, Int, Int, Int, Int, Int)) {
        let (w, h, channels, ow, oh, checksum) = c
        let image = pillowTestImage(width: w, height: h, channels: channels)
        let out = Preprocess.resizeBilinear(image, width: w, height: h, channels: channels, toWidth: ow, height: oh)
        #expect(out.count == ow * oh * channels)
        #expect(pillowChecksum(out) == checksum)
    }

    @Test(arguments: [
        (256, 128, 3, 32, 590_572_469), (120, 160, 1, 64, 1_049_023_346), (7, 4, 1, 4, 13056),
        (5, 4, 1, 4, 17840), (101, 37, 3, 16, 36_894_339),
    ])
    func shortSideCropMatchesTorchvision(_ c: (Int, Int, Int, Int, Int)) {
        let (w, h, channels, size, checksum) = c
        let image = pillowTestImage(width: w, height: h, channels: channels)
        let out = FramePreprocessor(size: size, channels: channels, resize: .crop)
            .process(image, width: w, height: h, channels: channels)
        #expect(out.count == size * size * channels)
        #expect(pillowChecksum(out) == checksum)
    }

    @Test func grayThenResizeAsTheKTHReference() {
        let image = pillowTestImage(width: 64, height: 48, channels: 3)
        let out = FramePreprocessor(size: 16, channels: 1, resize: .stretch)
            .process(image, width: 64, height: 48, channels: 3)
        #expect(pillowChecksum(out) == 4_114_204)
        #expect(FramePreprocessor.shortSideSize(width: 2048, height: 1024, short: 128) == (256, 128))
        #expect(FramePreprocessor.shortSideSize(width: 120, height: 160, short: 64) == (64, 85))
    }
}
