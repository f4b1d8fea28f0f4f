#version 330 core
// The upscale stage switched off: GL bilinear with the same fit mapping as upscale.frag
// (what the app showed before the post chain; the quality tool's baseline).
uniform sampler2D uSource;  // linear filter, clamp to edge, rows top-down
uniform vec2 uScale;        // target pixels per source pixel
uniform vec2 uOffset;       // target coordinate of the source's top-left corner
uniform int uMode;          // 0: clamp to edge, 1: black outside (fit), 2: mirrored repeat
uniform float uTargetHeight;
out vec4 outColor;

void main() {
    vec2 t = vec2(gl_FragCoord.x, uTargetHeight - gl_FragCoord.y);
    vec2 size = vec2(textureSize(uSource, 0));
    vec2 u = (t - uOffset) / uScale;
    if (uMode == 1 && (any(lessThan(u, vec2(0.0))) || any(greaterThanEqual(u, size)))) {
        outColor = vec4(0.0, 0.0, 0.0, 1.0);
        return;
    }
    if (uMode == 2) {
        vec2 m = mod(u, 2.0 * size);
        u = min(m, 2.0 * size - m);
    }
    outColor = vec4(texture(uSource, u / size).rgb, 1.0);
}
