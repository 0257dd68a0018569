"""Image engines: DCGAN faces, diffusers text-to-image and img2img, neural style transfer."""
