#version 330 core
// Zoom feedback and trails: the last output, zoomed and rotated about the centre, mixed in.
uniform sampler2D uFrame;
uniform sampler2D uHistory;
uniform float uZoomAmount;  // weight of the zoomed history
uniform float uZoomScale;   // > 1 zooms in
uniform float uZoomRotate;  // radians per frame
uniform float uTrails;      // weight of the plain history
in vec2 vUv;
out vec4 outColor;

void main() {
    vec3 c = texture(uFrame, vUv).rgb;
    vec2 p = vUv - 0.5;
    float cs = cos(uZoomRotate), sn = sin(uZoomRotate);
    p = mat2(cs, -sn, sn, cs) * p / max(uZoomScale, 0.01);
    vec3 zoomed = texture(uHistory, p + 0.5).rgb;
    vec3 history = texture(uHistory, vUv).rgb;
    c = max(c, mix(c, zoomed, uZoomAmount));
    c = mix(c, history, uTrails);
    outColor = vec4(c, 1.0);
}
