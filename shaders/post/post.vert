#version 330 core
// Full-target quad from gl_VertexID (no vertex buffer), drawn as a 4-vertex triangle strip.
// vUv (0,0) is the target's bottom-left corner, (1,1) its top-right one.
out vec2 vUv;

void main() {
    vec2 corner = vec2(float(gl_VertexID & 1), float((gl_VertexID >> 1) & 1));
    vUv = corner;
    gl_Position = vec4(corner * 2.0 - 1.0, 0.0, 1.0);
}
