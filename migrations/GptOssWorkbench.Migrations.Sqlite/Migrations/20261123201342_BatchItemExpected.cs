using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GptOssWorkbench.Migrations.Sqlite.Migrations
{
    /// <inheritdoc />
    public partial class BatchItemExpected : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Expected",
                table: "BatchItems",
                type: "TEXT",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "Expected",
                table: "BatchItems");
        }
    }
}
