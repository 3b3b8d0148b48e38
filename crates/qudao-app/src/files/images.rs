//! Checking an uploaded picture: its type by content, its size, its pixel count, and a
//! thumbnail.
//!
//! The name and the `Content-Type` a client sends are ignored: an HTML page named `logo.png`
//! is refused because its bytes are not a PNG, JPEG or WebP. Dimensions are read from the header
//! before any pixel is decoded, so a tiny file claiming 100,000 × 100,000 pixels (a
//! decompression bomb) is refused without allocating for it.

use std::io::Cursor;

use image::{ImageFormat, ImageReader, Limits};

use crate::{AppError, AppResult};

/// Largest width or height accepted.
const MAX_SIDE: u32 = 10_000;
/// Most pixels accepted (40 megapixels: a high-end phone photo is about 12–50).
const MAX_PIXELS: u64 = 40_000_000;
/// Longest side of a thumbnail.
const THUMB_SIDE: u32 = 320;

/// The picture types Qudao accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    /// PNG.
    Png,
    /// JPEG.
    Jpeg,
    /// WebP.
    Webp,
}

impl ImageKind {
    /// The content type to serve it with.
    pub fn content_type(self) -> &'static str {
        match self {
            ImageKind::Png => "image/png",
            ImageKind::Jpeg => "image/jpeg",
            ImageKind::Webp => "image/webp",
        }
    }

    /// The file extension for storage keys.
    pub fn extension(self) -> &'static str {
        match self {
            ImageKind::Png => "png",
            ImageKind::Jpeg => "jpg",
            ImageKind::Webp => "webp",
        }
    }
}

/// A picture that passed every check, with its JPEG thumbnail.
#[derive(Debug, Clone)]
pub struct CheckedImage {
    /// Its real type.
    pub kind: ImageKind,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// A JPEG at most 320 pixels on its longer side.
    pub thumbnail: Vec<u8>,
}

/// Checks `bytes` as a picture of at most `max_bytes`. CPU-bound: call from a blocking task.
pub fn check_image(bytes: &[u8], max_bytes: usize) -> AppResult<CheckedImage> {
    if bytes.len() > max_bytes {
        return Err(AppError::TooLarge);
    }
    let kind = match image::guess_format(bytes) {
        Ok(ImageFormat::Png) => ImageKind::Png,
        Ok(ImageFormat::Jpeg) => ImageKind::Jpeg,
        Ok(ImageFormat::WebP) => ImageKind::Webp,
        _ => return Err(AppError::UnsupportedMedia),
    };
    let reader = || -> AppResult<ImageReader<Cursor<&[u8]>>> {
        let mut reader =
            ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(|_| AppError::UnsupportedMedia)?;
        let mut limits = Limits::default();
        limits.max_image_width = Some(MAX_SIDE);
        limits.max_image_height = Some(MAX_SIDE);
        limits.max_alloc = Some(256 * 1024 * 1024);
        reader.limits(limits);
        Ok(reader)
    };
    let (width, height) = reader()?.into_dimensions().map_err(|_| AppError::UnsupportedMedia)?;
    if width == 0 || height == 0 || u64::from(width) * u64::from(height) > MAX_PIXELS {
        return Err(AppError::TooLarge);
    }
    let picture = reader()?.decode().map_err(|_| AppError::UnsupportedMedia)?;
    let thumb = picture.thumbnail(THUMB_SIDE, THUMB_SIDE).to_rgb8();
    let mut thumbnail = Vec::new();
    thumb
        .write_to(&mut Cursor::new(&mut thumbnail), ImageFormat::Jpeg)
        .map_err(|e| AppError::Internal(format!("thumbnail: {e}")))?;
    Ok(CheckedImage { kind, width, height, thumbnail })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// CRC-32 as PNG chunks use it (reflected, polynomial 0xEDB88320).
    fn crc32(bytes: &[u8]) -> u32 {
        let mut crc = 0xFFFF_FFFFu32;
        for byte in bytes {
            crc ^= u32::from(*byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
            }
        }
        !crc
    }

    fn png(width: u32, height: u32) -> Vec<u8> {
        let picture = image::RgbImage::from_pixel(width, height, image::Rgb([200, 30, 30]));
        let mut bytes = Vec::new();
        picture.write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png).unwrap();
        bytes
    }

    #[test]
    fn a_real_png_passes_with_a_small_thumbnail() {
        let checked = check_image(&png(800, 400), 5_000_000).unwrap();
        assert_eq!(checked.kind, ImageKind::Png);
        assert_eq!((checked.width, checked.height), (800, 400));
        let thumb = image::load_from_memory(&checked.thumbnail).unwrap();
        assert_eq!((thumb.width(), thumb.height()), (320, 160));
    }

    #[test]
    fn disguised_files_are_refused_by_content() {
        let html = b"<html><script>alert(1)</script></html>";
        assert!(matches!(check_image(html, 5_000_000), Err(AppError::UnsupportedMedia)));
        let mut truncated = png(50, 50);
        truncated.truncate(60);
        assert!(check_image(&truncated, 5_000_000).is_err());
    }

    #[test]
    fn oversized_files_and_pixel_bombs_are_refused() {
        assert!(matches!(check_image(&png(10, 10), 10), Err(AppError::TooLarge)));
        // A valid PNG header claiming 9,000 x 9,000 pixels (81 megapixels).
        let mut bomb = png(1, 1);
        bomb[16..20].copy_from_slice(&9_000u32.to_be_bytes());
        bomb[20..24].copy_from_slice(&9_000u32.to_be_bytes());
        // Keep the header chunk's checksum right, so only the size is wrong.
        let crc = crc32(&bomb[12..29]);
        bomb[29..33].copy_from_slice(&crc.to_be_bytes());
        assert!(matches!(check_image(&bomb, 5_000_000), Err(AppError::TooLarge)));
    }
}
