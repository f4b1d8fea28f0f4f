#version 330 core
// An example user stage (the leading '_' keeps it off: rename to scanlines.frag to use it).
// Uniforms every user stage gets: uFrame (the previous stage), uResolution, uTime, uLevel,
// uBass, uMid, uHigh, uOnset, uOnsetEnv, uBeatEnv, uBeatPhase, uBpm.
uniform sampler2D uFrame;
uniform vec2 uResolution;
uniform float uBass;
uniform float uBeatEnv;
in vec2 vUv;
out vec4 outColor;

void main() {
    vec3 c = texture(uFrame, vUv).rgb;
    float line = 0.5 + 0.5 * sin(vUv.y * uResolution.y * 3.14159);
    outColor = vec4(c * mix(1.0, line, 0.3 + 0.3 * uBeatEnv + 0.2 * uBass), 1.0);
}
