using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GptOssWorkbench.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class ManifestLogprobsRequest : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "Logprobs",
                table: "Runs",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<int>(
                name: "TopLogprobs",
                table: "Runs",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Logprobs",
                table: "Runs");

            migrationBuilder.DropColumn(
                name: "TopLogprobs",
                table: "Runs");
        }
    }
}
