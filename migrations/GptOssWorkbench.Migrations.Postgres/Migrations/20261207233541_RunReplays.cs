using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace GptOssWorkbench.Migrations.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class RunReplays : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "ReplayOfRunId",
                table: "Runs",
                type: "bigint",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_Runs_ReplayOfRunId",
                table: "Runs",
                column: "ReplayOfRunId");

            migrationBuilder.AddForeignKey(
                name: "FK_Runs_Runs_ReplayOfRunId",
                table: "Runs",
                column: "ReplayOfRunId",
                principalTable: "Runs",
                principalColumn: "Id",
                onDelete: ReferentialAction.SetNull);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_Runs_Runs_ReplayOfRunId",
                table: "Runs");

            migrationBuilder.DropIndex(
                name: "IX_Runs_ReplayOfRunId",
                table: "Runs");

            migrationBuilder.DropColumn(
                name: "ReplayOfRunId",
                table: "Runs");
        }
    }
}
