#version 330 core
// Trails and zoom feedback: the picture mixed with this stage's own last output, plain
// (trails) and zoomed and rotated about the centre (tunnels). Its output is the next history.
uniform sampler2D uFrame;    // this frame, from the stage before
uniform sampler2D uHistory;  // this stage's last output (linear filter, clamp to edge)
uniform float uTrails;       // weight of the last output
uniform float uZoomAmount;   // weight of the zoomed last output
uniform mat2 uZoom;          // rotation / scale per frame (the CPU folds them)
uniform vec2 uResolution;
in vec2 vUv;
out vec4 outColor;

void main() {
    ivec2 p = ivec2(gl_FragCoord.xy);
    vec3 c = texelFetch(uFrame, p, 0).rgb;
    vec3 last = texelFetch(uHistory, p, 0).rgb;
    c = mix(c, last, uTrails);
    if (uZoomAmount > 0.0) {
        vec2 d = (vUv - 0.5) * uResolution;  // pixels from the centre: rotation keeps the aspect
        vec3 zoomed = texture(uHistory, uZoom * d / uResolution + 0.5).rgb;
        c = mix(c, zoomed, uZoomAmount);
    }
    outColor = vec4(c, 1.0);
}
