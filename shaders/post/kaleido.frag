#version 330 core
// Kaleidoscope: the angle around the centre folded into `uSegments` mirrored wedges.
uniform sampler2D uFrame;
uniform float uSegments;
uniform float uRotate;
in vec2 vUv;
out vec4 outColor;

const float PI = 3.14159265;

void main() {
    vec2 size = vec2(textureSize(uFrame, 0));
    vec2 p = (vUv - 0.5) * vec2(size.x / size.y, 1.0);
    float r = length(p);
    float wedge = 2.0 * PI / max(floor(uSegments), 1.0);
    float a = mod(atan(p.y, p.x) + uRotate, wedge);
    a = abs(a - wedge * 0.5);
    vec2 q = vec2(cos(a), sin(a)) * r / vec2(size.x / size.y, 1.0) + 0.5;
    outColor = vec4(texture(uFrame, clamp(q, 0.0, 1.0)).rgb, 1.0);
}
