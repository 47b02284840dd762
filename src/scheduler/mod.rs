//! The monthly digest and annual summary schedule in Asia/Tokyo, with an injected clock.
//! Not built yet.
